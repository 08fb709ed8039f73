/**
 * The kernel's neural SLM against llama.cpp and AUTON's TypeScript forward pass, on every arch
 * in real QEMU: booted with `-initrd slm/models/auton-slm.gguf`, the console's
 * `generate -n 16 <prompt>` must print exactly the text `auton slm generate --greedy
 * --max-tokens 16` gives with either engine (which agree token for token), the real
 * two-line classification prompt included (typed with the console's `\n` escape). A corrupted model
 * (bad magic, truncated) and too little memory fall back to the rule engine, with the reason on
 * the boot line, and the console still answers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ARCHES, buildKernel } from '../../src/kernel';
import { runConsole } from '../../src/kernel/consoleSession';
import { openAuton } from '../../slm/src/runtime/auton';
import { compareGreedy, compareGreedyText } from '../../slm/src/runtime/greedyParity';
import { openLlamaCpp } from '../../slm/src/runtime/llamacpp';
import { SpmTokenizer } from '../../slm/src/tokenizer/spm';

const root = resolve(__dirname, '../..');
const MODEL = join(root, 'slm', 'models', 'auton-slm.gguf');
const MAX_TOKENS = 16;
// Requests as users type them, the classification prompt the model was trained on (two lines:
// typed with the console's \n escape) and a backslash (typed \\).
const PROMPTS = [
  'which driver does my Intel wireless card need',
  'what network card do you have?',
  'install vlc please',
  '### request: which driver runs the disk?\n### intent:',
  'copy c:\\vlc',
  'hello',
];
/** The prompt as typed on the console line: backslash and newline escaped. */
const typed = (prompt: string): string => prompt.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

describe('kernel neural SLM: parity with llama.cpp and the TypeScript reference (QEMU)', function () {
  this.timeout(600_000);
  const expected = new Map<string, string>();
  const refs = new Map<string, { prompt: number[]; ids: number[] }>();
  let decode: (ids: readonly number[]) => string;
  let logitsAfter: (ids: readonly number[]) => Float32Array;
  let eos = 0;
  let dir: string;

  before(async () => {
    const auton = openAuton(MODEL);
    const tokenizer = new SpmTokenizer(auton.loaded.tokenizer);
    const llama = await openLlamaCpp(MODEL, { threads: 1 });
    decode = (ids) => tokenizer.decode([...ids]).replace(/\n+$/, '');
    logitsAfter = (ids) => auton.logits(ids).at(-1)!;
    eos = llama.info.tokenizer.eos;
    try {
      for (const prompt of PROMPTS) {
        const ids = tokenizer.encode(prompt, { bos: true });
        const ours = auton.generate(ids, MAX_TOKENS);
        const theirs = await llama.generate([llama.info.tokenizer.bos, ...llama.tokenize(prompt)], MAX_TOKENS);
        // Token for token, except a parting at a proven near-tie of the logits (greedyParity.ts).
        const c = compareGreedy(ids, theirs, ours, eos, logitsAfter);
        assert.ok(c.error === undefined, `llama.cpp and the TypeScript reference on "${prompt}": ${c.error}`);
        expected.set(prompt, llama.detokenize(theirs));
        refs.set(prompt, { prompt: ids, ids: theirs });
      }
    } finally {
      await llama.dispose();
    }
    assert.ok([...expected.values()].some((t) => t.trim() !== ''), 'the model continues at least one prompt');
    dir = mkdtempSync(join(tmpdir(), 'auton-slm-parity-'));
  });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  for (const arch of ARCHES) {
    describe(arch, () => {
      before(async () => {
        const b = await buildKernel({ root, arch });
        assert.ok(b.ok, b.message);
      });

      it('generates token for token what llama.cpp and the reference generate', async () => {
        const commands = [...PROMPTS.map((p) => `generate -n ${MAX_TOKENS} ${typed(p)}`), 'generate a \\q b', 'generate a \\'];
        const s = await runConsole({ root, arch, initrd: MODEL, commands });
        assert.match(s.backendLine ?? '', /^\[SLM\] backend neural /, s.boot.serial.slice(-3000));
        for (const [i, prompt] of PROMPTS.entries()) {
          const got = s.answers[i]!.lines.join('\n');
          const ref = refs.get(prompt)!;
          const c = compareGreedyText(got, ref.prompt, ref.ids, eos, decode, logitsAfter);
          assert.ok(c.error === undefined, `"${prompt}" on ${arch}: ${c.error} (llama.cpp: ${JSON.stringify(expected.get(prompt))})`);
        }
        assert.deepEqual(s.answers[PROMPTS.length]!.lines, ['generate: unknown escape \\q: use \\n (newline), \\t (tab) or \\\\ (backslash)']);
        assert.deepEqual(s.answers[PROMPTS.length + 1]!.lines, ['generate: the prompt ends in a lone backslash: write \\\\ for a backslash']);
      });

      for (const [label, corrupt] of [
        ['bad magic', (b: Buffer) => { const c = Buffer.from(b); c.write('GGUX', 0, 'latin1'); return c; }],
        ['truncated', (b: Buffer) => b.subarray(0, Math.floor(b.length / 3))],
      ] as const) {
        it(`a ${label} model: rule engine with the reason, and the console still answers`, async () => {
          const path = join(dir, `${arch}-${label.replace(' ', '-')}.gguf`);
          writeFileSync(path, corrupt(readFileSync(MODEL)));
          const s = await runConsole({ root, arch, initrd: path, commands: ['intent which driver does my network card need', 'generate hello'] });
          assert.match(s.backendLine ?? '', /^\[SLM\] backend rules \(invalid model: .+\)$/, s.boot.serial.slice(-3000));
          assert.match(s.answers[0]!.lines.join('\n'), /^\[SLM\] intent [A-Z_]+ /m);
          assert.match(s.answers[1]!.lines.join('\n'), /needs the neural backend/);
        });
      }

      it('too little memory for the model: rule engine with a memory reason', async () => {
        const s = await runConsole({ root, arch, initrd: MODEL, memory: '32M', commands: ['intent what network card do you have?'] });
        assert.match(s.backendLine ?? '', /^\[SLM\] backend rules \(memory: .+\)$/, s.boot.serial.slice(-3000));
        assert.match(s.answers[0]!.lines.join('\n'), /^\[SLM\] intent [A-Z_]+ /m);
      });
    });
  }
});
