import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeLlamaGguf, loadLlamaGguf } from '../../../slm/src/gguf/llamaModel';
import { parseGguf } from '../../../slm/src/gguf/reader';
import { openAuton } from '../../../slm/src/runtime/auton';
import { SpmTokenizer } from '../../../slm/src/tokenizer/spm';
import { randomWeights, tinyConfig, tinyTokenizer } from './ggufFixtures';

const CLI = resolve(__dirname, '../../../dist/cli.js');

interface Run { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

describe('auton slm quantize|export|generate (dist/cli.js)', function () {
  this.timeout(60_000);
  let dir: string;
  let f32: string;
  const tokenizer = tinyTokenizer();
  const config = tinyConfig(tokenizer.tokens.length);
  const auton = (args: string[]): Run => {
    const r = spawnSync(process.execPath, [CLI, 'slm', ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  };
  /** A failure that is one line on stderr, nothing on stdout, exit status 1 (not a signal). */
  const assertCleanFailure = (run: Run, pattern: RegExp): void => {
    assert.equal(run.signal, null, `killed by ${run.signal}: ${run.stderr}`);
    assert.equal(run.status, 1, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^auton: [^\n]+\n$/);
    assert.match(run.stderr, pattern);
  };

  before(() => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run "npm run build" first`);
    dir = mkdtempSync(join(tmpdir(), 'auton-slm-cli-'));
    f32 = join(dir, 'tiny.gguf');
    writeFileSync(f32, encodeLlamaGguf({ config, tokenizer, weights: randomWeights(config, 21) }, 'F32'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists quantize, export and generate under auton slm', () => {
    const help = spawnSync(process.execPath, [CLI, 'slm', '--help'], { encoding: 'utf8' }).stdout;
    for (const command of ['quantize', 'export', 'generate']) assert.match(help, new RegExp(`^ {2}${command}\\b`, 'm'));
    assert.match(auton(['generate', '--help']).stdout, /--engine <engine>/);
  });

  for (const type of ['q8_0', 'q4_0']) {
    it(`quantize --type ${type} writes a valid GGUF beside the input and reports sizes and error`, () => {
      const run = auton(['quantize', '--in', f32, '--type', type]);
      assert.equal(run.status, 0, run.stderr);
      const out = join(dir, `tiny-${type}.gguf`);
      assert.match(run.stdout, new RegExp(`^wrote ${out.replace(/[.]/g, '\\.')}: ${type.toUpperCase()}, [\\d.]+ MiB \\(F32 would be [\\d.]+ MiB\\)$`, 'm'));
      assert.match(run.stdout, /^largest weight error: \S+ RMSE /m);
      const loaded = loadLlamaGguf(out);
      assert.equal(loaded.types.get('blk.0.ffn_down.weight'), type.toUpperCase());
      assert.equal(loaded.types.get('blk.0.ffn_norm.weight'), 'F32');
    });
  }

  it('quantize --eval reports the intent accuracy change from F32', () => {
    const examples = join(dir, 'examples.jsonl');
    const lines = [['which driver for 8086:10d3', 'DRIVER_SELECT'], ['install firefox', 'APP_INSTALL'], ['restart ssh', 'SYSTEM_MANAGE']]
      .map(([request, intent], i) => JSON.stringify({ id: `e${i}`, intent, request, answer: 'x', source: 'test', template: 't', split: 'test' }));
    writeFileSync(examples, `${lines.join('\n')}\n`);
    const run = auton(['quantize', '--in', f32, '--type', 'q8_0', '--out', join(dir, 'eval-q8.gguf'), '--eval', examples]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^intent accuracy on 3 examples of \S+examples\.jsonl: F32 \d+\.\d% -> Q8_0 \d+\.\d% \([+-]\d+\.\d points\)$/m);
  });

  it('refuses to quantize an already quantized file', () => {
    auton(['quantize', '--in', f32, '--type', 'q4_0', '--out', join(dir, 'q4.gguf')]);
    assertCleanFailure(auton(['quantize', '--in', join(dir, 'q4.gguf'), '--type', 'q8_0']), /is already quantized .*quantize from the F32 GGUF or the checkpoint/);
  });

  it('export --format gguf|onnx writes files that load', () => {
    const gguf = auton(['export', '--format', 'gguf', '--in', f32, '--type', 'f16', '--out', join(dir, 'half.gguf'), '--json']);
    assert.equal(gguf.status, 0, gguf.stderr);
    assert.deepEqual(JSON.parse(gguf.stdout), { out: join(dir, 'half.gguf'), format: 'gguf', type: 'F16', bytes: readFileSync(join(dir, 'half.gguf')).length });
    assert.equal(loadLlamaGguf(join(dir, 'half.gguf')).types.get('output.weight'), 'F16');
    const onnx = auton(['export', '--format', 'onnx', '--in', f32]);
    assert.equal(onnx.status, 0, onnx.stderr);
    assert.match(onnx.stdout, /^wrote .*tiny\.onnx: ONNX/);
    assert.ok(readFileSync(join(dir, 'tiny.onnx')).length > 100_000);
  });

  it('generate prints only the generated text, the same with AUTON\'s forward pass and with llama.cpp', () => {
    const q8 = join(dir, 'gen.gguf');
    writeFileSync(q8, encodeLlamaGguf({ config, tokenizer, weights: randomWeights(config, 22) }, 'Q8_0'));
    const tok = new SpmTokenizer(tokenizer);
    const expected = tok.decode(openAuton(q8).generate(tok.encode('the network driver', { bos: true }), 12));
    const ours = auton(['generate', '--model', q8, '--greedy', '--max-tokens', '12', 'the network driver']);
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(ours.stdout, `${expected}\n`);
    const llama = auton(['generate', '--model', q8, '--greedy', '--max-tokens', '12', '--engine', 'llamacpp', 'the network driver']);
    assert.equal(llama.status, 0, llama.stderr);
    assert.equal(llama.stdout, ours.stdout);
    assert.equal(llama.stderr, '');
  });

  it('answers bad options with a usage error (exit 2)', () => {
    for (const args of [['quantize', '--in', f32, '--type', 'q5_k'], ['export', '--format', 'safetensors', '--in', f32], ['generate', '--model', f32, '--max-tokens', '0', 'x'], ['generate', '--model', f32, '--engine', 'gpu', 'x']]) {
      const run = auton(args);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^auton: --\S+ must be/);
    }
  });

  describe('corrupted model files: one clear line and exit 1, never an abort', () => {
    const corruptions: [string, (good: Buffer) => Buffer, RegExp][] = [
      ['a bad magic', (b) => Buffer.concat([Buffer.from('GGML'), b.subarray(4)]), /not a GGUF file: it starts with "GGML"/],
      ['truncation in the metadata', (b) => b.subarray(0, 2000), /truncated/],
      ['truncation in the tensor data', (b) => b.subarray(0, b.length - 1000), /file is truncated: tensor \S+ .* ends past the end of the file/],
      ['an unknown tensor type', (b) => {
        const c = Buffer.from(b);
        const file = parseGguf(c);
        const name = 'blk.0.attn_q.weight';
        const at = c.lastIndexOf(Buffer.from(name), file.dataOffset) + name.length + 4 + 16;
        c.writeUInt32LE(77, at);
        return c;
      }, /ggml type 77, which AUTON does not read/],
      ['an absurd tensor count', (b) => {
        const c = Buffer.from(b);
        c.writeBigUInt64LE(1n << 48n, 8);
        return c;
      }, /tensor count at byte 8 is \d+, more than/],
      ['an absurd string length', (b) => {
        const c = Buffer.from(b);
        c.writeBigUInt64LE(1n << 52n, 24);
        return c;
      }, /length of metadata key #0 .* more than/],
      ['an empty file', () => Buffer.alloc(0), /not a GGUF file/],
    ];
    for (const [what, corrupt, message] of corruptions) {
      it(`${what}: generate (both engines), quantize and export refuse it`, () => {
        const path = join(dir, `bad-${what.replace(/\W+/g, '-')}.gguf`);
        writeFileSync(path, corrupt(readFileSync(f32)));
        assertCleanFailure(auton(['generate', '--model', path, '--max-tokens', '4', 'x']), message);
        assertCleanFailure(auton(['generate', '--model', path, '--max-tokens', '4', '--engine', 'llamacpp', 'x']), message);
        assertCleanFailure(auton(['quantize', '--in', path, '--type', 'q8_0', '--out', join(dir, 'never.gguf')]), message);
        assertCleanFailure(auton(['export', '--format', 'onnx', '--in', path, '--out', join(dir, 'never.onnx')]), message);
        assert.ok(!existsSync(join(dir, 'never.gguf')) && !existsSync(join(dir, 'never.onnx')));
      });
    }

    it('a missing file', () => {
      assertCleanFailure(auton(['generate', '--model', join(dir, 'absent.gguf'), 'x']), /absent\.gguf: no such file/);
    });
  });
});
