/**
 * The kernel's neural backend (kernels/slm/neural/) built for the host as slm-host, against
 * llama.cpp (node-llama-cpp 3.21.1) and AUTON's TypeScript reference on the shipped models:
 * tokenizer ids, greedy generations token for token, classification, and refusal of corrupted
 * files. Every expectation is computed here from the model files as they are, so a retrained
 * model needs no edit.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readJsonl } from '../../../slm/src/data/jsonl';
import { parseGguf } from '../../../slm/src/gguf/reader';
import { createRunState } from '../../../slm/src/model/forward';
import { generateIds } from '../../../slm/src/model/generate';
import { formatPrompt } from '../../../slm/src/model/prompt';
import { Rng } from '../../../slm/src/model/rng';
import { buildSlmHost } from '../../../src/kernel/slmPolicy';
import { compareGreedy } from '../../../slm/src/runtime/greedyParity';
import { openAuton } from '../../../slm/src/runtime/auton';
import { classifyNeural } from '../../../slm/src/runtime/classify';
import { type LlamaCppSession, openLlamaCpp } from '../../../slm/src/runtime/llamacpp';
import { SpmTokenizer } from '../../../slm/src/tokenizer/spm';

const root = resolve(__dirname, '../../..');
const HOST = join(root, 'kernels/build/host/slm-host');
const MODELS = ['auton-slm.gguf', 'auton-slm-f32.gguf', 'auton-slm-q4_0.gguf'].map((f) => join(root, 'slm/models', f));

interface Run { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function slmHost(args: string[], input?: string): Run {
  const r = spawnSync(HOST, args, { encoding: 'utf8', input, timeout: 120_000, maxBuffer: 64 << 20 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function ok(r: Run): string {
  assert.equal(r.signal, null, `slm-host was killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const ids = (line: string): number[] => (line.trim() === '' ? [] : line.trim().split(' ').map(Number));

const TEXTS = [
  '', 'a', ' ', '  ', 'hello world', '  leading and trailing  ', 'install firefox please',
  'Which DRIVER does the Intel 82574L Gigabit Network Connection need?',
  'punctuation: !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', 'digits 0123456789 10de:1c82 172.16.196.53/24',
  'tabs\tand\nnewlines\r\nand\u000bcontrols\u0001', 'unicode: café naïve Ünïcödé, Ελληνικά, русский, 中文, 日本語, 🚀🧪',
  'special-looking text: <s> </s> <unk> <0x41>', '\u2581already escaped\u2581', 'a'.repeat(300),
  Array.from({ length: 120 }, (_, i) => `word${i} ${i % 7 === 0 ? 'Ünï' : 'net'}`).join(' '),
];

describe('slm-host: the kernel neural backend on the host, against llama.cpp and the TypeScript reference', function () {
  this.timeout(600_000);
  let dir: string;

  before(function () {
    for (const m of MODELS) assert.ok(existsSync(m), `${m} is missing`);
    buildSlmHost(root);
    dir = mkdtempSync(join(tmpdir(), 'auton-slm-host-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const model of MODELS) {
    describe(model.slice(model.lastIndexOf('/') + 1), () => {
      let llama: LlamaCppSession;
      before(async () => {
        llama = await openLlamaCpp(model, { threads: 1 });
      });
      after(async () => llama?.dispose());

      it('tokenizes like llama.cpp and spm.ts (ASCII, punctuation, digits, unicode, empty, long)', () => {
        const auton = openAuton(model);
        const spm = new SpmTokenizer(auton.loaded.tokenizer);
        for (const text of TEXTS) {
          const got = ids(ok(slmHost(['tokenize', '--model', model, text])));
          assert.deepEqual(got, spm.encode(text), `spm.ts, text ${JSON.stringify(text)}`);
          assert.deepEqual(got, llama.tokenize(text), `llama.cpp, text ${JSON.stringify(text)}`);
        }
      });

      it('generates greedily token for token as llama.cpp and forward.ts, and prints what auton slm generate prints', async () => {
        const auton = openAuton(model);
        const spm = new SpmTokenizer(auton.loaded.tokenizer);
        const requests = readJsonl(join(root, 'slm/data/test.jsonl')).filter((_, i) => i % 97 === 0).slice(0, 8);
        const prompts = [
          '', 'The', 'hello world', '### request:', 'unicode: café 中文 🚀',
          ...requests.map((e) => formatPrompt(e.request)),
        ];
        const maxTokens = 48;
        for (const prompt of prompts) {
          const encoded = spm.encode(prompt, { bos: true });
          const want = auton.generate(encoded, maxTokens);
          const got = ids(ok(slmHost(['generate', '--model', model, '--max-tokens', String(maxTokens), '--ids', prompt])));
          // Token for token, except a parting at a proven near-tie of the logits (greedyParity.ts).
          const logitsAfter = (ids: readonly number[]) => auton.logits(ids).at(-1)!;
          const vsTs = compareGreedy(encoded, got, want, spm.data.eos, logitsAfter);
          assert.ok(vsTs.error === undefined, `forward.ts, prompt ${JSON.stringify(prompt)}: ${vsTs.error}`);
          const vsLlama = compareGreedy(encoded, got, await llama.generate([spm.data.bos, ...llama.tokenize(prompt)], maxTokens), spm.data.eos, logitsAfter);
          assert.ok(vsLlama.error === undefined, `llama.cpp, prompt ${JSON.stringify(prompt)}: ${vsLlama.error}`);
          const text = ok(slmHost(['generate', '--model', model, '--max-tokens', String(maxTokens), prompt]));
          assert.equal(text, `${spm.decode(got)}\n`, `text of prompt ${JSON.stringify(prompt)}`);
        }
      });

      it('samples with a temperature exactly as generate.ts does for the same seed', () => {
        const auton = openAuton(model);
        const spm = new SpmTokenizer(auton.loaded.tokenizer);
        for (const [temp, seed] of [[800, 1], [1000, 42], [1500, 7]] as const) {
          const prompt = 'The';
          const want = generateIds(auton.model, spm.encode(prompt, { bos: true }), {
            maxTokens: 32, temperature: temp / 1000, seed, stop: [spm.data.eos], state: createRunState(auton.model.config),
          });
          const got = ids(ok(slmHost(['generate', '--model', model, '--max-tokens', '32', '--temp-milli', String(temp), '--seed', String(seed), '--ids', prompt])));
          assert.deepEqual(got, want, `temperature ${temp / 1000}, seed ${seed}`);
        }
        assert.ok(new Rng(1).nextU32() !== new Rng(2).nextU32(), 'seeds differ');
      });

      // ~100 paraphrases on the shipped model, ~25 on its siblings (the TypeScript side of the
      // comparison is most of this suite's time).
      const classifyCount = model.endsWith('auton-slm.gguf') ? 100 : 25;
      it(`classifies ~${classifyCount} paraphrases as auton slm classify --backend neural does`, async () => {
        const requests = readJsonl(join(root, 'slm/data/paraphrase.jsonl')).filter((_, i) => i % 7 === 0).slice(0, classifyCount).map((e) => e.request);
        requests.push('  Upper CASE\tand   SPACES  ');
        const want = await classifyNeural(model, requests);
        const lines = ok(slmHost(['classify', '--model', model], `${requests.join('\n')}\n`)).trim().split('\n');
        assert.equal(lines.length, requests.filter((r) => r.trim() !== '').length);
        const got = lines.map((l) => JSON.parse(l) as { intent: string | null; confidence: number; text: string });
        got.forEach((g, i) => {
          const w = want[i]!;
          assert.equal(g.intent, w.intent ?? null, `intent of ${JSON.stringify(requests[i])}`);
          assert.equal(g.text, w.text, `text of ${JSON.stringify(requests[i])}`);
          // Float32 sums in another order round a few Q8_0 activations the other way: the
          // probabilities move in the third decimal, the argmax does not.
          assert.ok(Math.abs(g.confidence - w.confidence) < 5e-3, `confidence of ${JSON.stringify(requests[i])}: ${g.confidence} vs ${w.confidence}`);
        });
      });
    });
  }

  describe('refuses corrupted files: exit status 2 and a message naming the problem', () => {
    const good = (): Buffer => readFileSync(MODELS[2]!);
    const refuse = (image: Buffer, pattern: RegExp): void => {
      const path = join(dir, 'bad.gguf');
      writeFileSync(path, image);
      const r = slmHost(['tokenize', '--model', path, 'x']);
      assert.equal(r.signal, null, `killed by ${r.signal}`);
      assert.equal(r.status, 2, `exit status ${r.status}, stderr ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^slm-host: [^\n]+\n$/, 'one line');
      assert.match(r.stderr, pattern);
    };
    /** Byte offset just past the first occurrence of a tensor name in the tensor infos. */
    const afterName = (image: Buffer, name: string): number => {
      const at = image.indexOf(Buffer.from(name, 'latin1'));
      assert.ok(at > 0, `${name} not found`);
      return at + name.length;
    };

    it('the valid file loads (the corruptions below are the only change)', () => {
      const path = join(dir, 'good.gguf');
      writeFileSync(path, good());
      ok(slmHost(['tokenize', '--model', path, 'x']));
    });

    it('truncated at many offsets', () => {
      const image = good();
      const { tensors } = parseGguf(image);
      const dataEnd = Math.max(...tensors.map((t) => t.offset + t.bytes));
      const offsets = [0, 1, 3, 4, 7, 8, 15, 16, 23, 24, 31, 40, 100, 1000, 5000, 10_000, 20_000, 30_000];
      for (let o = 40_000; o < dataEnd; o += Math.floor(dataEnd / 12)) offsets.push(o);
      offsets.push(dataEnd - 1);
      for (const o of offsets) refuse(image.subarray(0, o), o < 4 ? /not a GGUF file/ : /truncated/);
    });

    it('flipped magic, wrong version', () => {
      const a = good();
      a.write('GGUG', 0, 'latin1');
      refuse(a, /not a GGUF file: it starts with "GGUG"/);
      const b = good();
      b.writeUInt32LE(2, 4);
      refuse(b, /GGUF version 2 is not supported/);
    });

    it('absurd tensor count, metadata count and string length', () => {
      const a = good();
      a.writeBigUInt64LE(1n << 62n, 8);
      refuse(a, /tensor count at byte 8 is 4611686018427387904/);
      const b = good();
      b.writeBigUInt64LE(0xffffffffffffffffn, 16);
      refuse(b, /metadata count/);
      const c = good();
      c.writeBigUInt64LE(1n << 60n, 24);
      refuse(c, /metadata key #0 at byte 24 is 1152921504606846976/);
    });

    it('unknown value type and unknown tensor type', () => {
      const a = good();
      // the value type of the first key follows its name
      const keyLen = Number(a.readBigUInt64LE(24));
      a.writeUInt32LE(77, 32 + keyLen);
      refuse(a, /is 77, not a GGUF value type/);
      const b = good();
      const at = afterName(b, 'output_norm.weight');
      b.writeUInt32LE(99, at + 4 + 8);
      refuse(b, /tensor output_norm.weight has ggml type 99/);
    });

    it('a missing key the forward pass needs, and a missing tokenizer key', () => {
      for (const key of ['llama.feed_forward_length', 'llama.attention.head_count', 'tokenizer.ggml.scores', 'tokenizer.ggml.eos_token_id']) {
        const a = good();
        const at = a.indexOf(Buffer.from(key, 'latin1'));
        a.write('X', at + key.length - 1, 'latin1');
        refuse(a, new RegExp(`missing key ${key.replace(/\./g, '\\.')}`));
      }
    });

    it('a tensor shape the hyperparameters do not give, a misaligned offset, a wrong architecture', () => {
      const a = good();
      const at = afterName(a, 'output_norm.weight');
      a.writeBigUInt64LE(64n, at + 4);
      refuse(a, /tensor output_norm\.weight is \[64\] but the hyperparameters need/);
      const b = good();
      const offsetAt = afterName(b, 'output_norm.weight') + 4 + 8 + 4;
      b.writeBigUInt64LE(b.readBigUInt64LE(offsetAt) + 4n, offsetAt);
      refuse(b, /output_norm\.weight starts at data offset \d+, not a multiple of the alignment/);
      const c = good();
      const arch = c.indexOf(Buffer.from('llama', 'latin1'), c.indexOf(Buffer.from('general.architecture', 'latin1')) + 20);
      c.write('gemma', arch, 'latin1');
      refuse(c, /general\.architecture is "gemma"/);
    });

    it('never crashes on random byte changes in the header, metadata and tensor infos', () => {
      const rng = new Rng(2024);
      const base = good();
      const header = Math.min(base.length, 40_000);
      let refused = 0;
      for (let i = 0; i < 150; i++) {
        const image = Buffer.from(base);
        for (let k = 0; k < 1 + (i % 4); k++) image[rng.int(header)] = rng.int(256);
        const path = join(dir, 'fuzz.gguf');
        writeFileSync(path, image);
        const r = slmHost(['tokenize', '--model', path, 'hello']);
        assert.equal(r.signal, null, `case ${i} killed by ${r.signal}`);
        assert.ok(r.status === 0 || r.status === 2, `case ${i}: exit status ${r.status}: ${r.stderr}`);
        if (r.status === 2) {
          refused++;
          assert.match(r.stderr, /^slm-host: [^\n]+\n$/);
        }
      }
      assert.ok(refused > 0, 'some changes must be refused');
    });
  });
});
