/**
 * The kernel's neural SLM against llama.cpp and AUTON's TypeScript forward pass, on every arch
 * in real QEMU: booted with `-initrd slm/models/auton-slm.gguf`, the console's
 * `generate -n 16 <prompt>` must print exactly the text `auton slm generate --greedy
 * --max-tokens 16` gives with either engine (which agree token for token). A corrupted model
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
import { openLlamaCpp } from '../../slm/src/runtime/llamacpp';
import { SpmTokenizer } from '../../slm/src/tokenizer/spm';

const root = resolve(__dirname, '../..');
const MODEL = join(root, 'slm', 'models', 'auton-slm.gguf');
const MAX_TOKENS = 16;
// One line each (the console reads a line): requests as users type them, and the start of
// the classification prompt the model was trained on.
const PROMPTS = [
  'which driver does my Intel wireless card need',
  'what network card do you have?',
  'install vlc please',
  '### request: restart the ssh service',
  'hello',
];

describe('kernel neural SLM: parity with llama.cpp and the TypeScript reference (QEMU)', function () {
  this.timeout(600_000);
  const expected = new Map<string, string>();
  let dir: string;

  before(async () => {
    const auton = openAuton(MODEL);
    const tokenizer = new SpmTokenizer(auton.loaded.tokenizer);
    const llama = await openLlamaCpp(MODEL, { threads: 1 });
    try {
      for (const prompt of PROMPTS) {
        const ours = auton.generate(tokenizer.encode(prompt, { bos: true }), MAX_TOKENS);
        const theirs = await llama.generate([llama.info.tokenizer.bos, ...llama.tokenize(prompt)], MAX_TOKENS);
        assert.deepEqual(ours, theirs, `llama.cpp and the TypeScript reference disagree on "${prompt}"`);
        expected.set(prompt, llama.detokenize(theirs));
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
        const s = await runConsole({ root, arch, initrd: MODEL, commands: PROMPTS.map((p) => `generate -n ${MAX_TOKENS} ${p}`) });
        assert.match(s.backendLine ?? '', /^\[SLM\] backend neural /, s.boot.serial.slice(-3000));
        for (const [i, prompt] of PROMPTS.entries()) {
          const got = s.answers[i]!.lines.join('\n');
          assert.equal(got, expected.get(prompt)!.replace(/\n$/, ''), `"${prompt}" on ${arch}`);
        }
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
