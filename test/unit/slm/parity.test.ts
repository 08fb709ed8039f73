import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeLlamaGguf } from '../../../slm/src/gguf/llamaModel';
import { formatPrompt } from '../../../slm/src/model/prompt';
import { openAuton } from '../../../slm/src/runtime/auton';
import { compareGreedy } from '../../../slm/src/runtime/greedyParity';
import { openLlamaCpp } from '../../../slm/src/runtime/llamacpp';
import type { GgmlTypeName } from '../../../slm/src/quant/tensorTypes';
import { SpmTokenizer } from '../../../slm/src/tokenizer/spm';
import { trainBpe } from '../../../slm/src/tokenizer/train';
import { randomWeights, tinyConfig, tinyTokenizer } from './ggufFixtures';

const SHIPPED = resolve(__dirname, '../../../slm/models/auton-slm.gguf');

/** Greedy decoding of `prompt` by llama.cpp and by AUTON on the same file. */
async function bothGenerate(path: string, prompt: number[], maxTokens: number): Promise<{ llama: number[]; auton: number[] }> {
  const llama = await openLlamaCpp(path, { threads: 1 });
  try {
    return { llama: await llama.generate(prompt, maxTokens), auton: openAuton(path).generate(prompt, maxTokens) };
  } finally {
    await llama.dispose();
  }
}

describe('slm parity: llama.cpp (node-llama-cpp 3.21.1) and AUTON decode the same GGUF identically', function () {
  this.timeout(120_000);
  let dir: string;
  const tokenizer = tinyTokenizer();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'auton-parity-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const types: GgmlTypeName[] = ['F32', 'F16', 'Q8_0', 'Q4_0'];
  for (const type of types) {
    it(`a random tiny model stored as ${type}: token for token until the context is full`, async () => {
      const config = tinyConfig(tokenizer.tokens.length);
      const path = join(dir, `tiny-${type}.gguf`);
      writeFileSync(path, encodeLlamaGguf({ config, tokenizer, weights: randomWeights(config, 42) }, type));
      for (const prompt of [[tokenizer.bos], [tokenizer.bos, 285, 259, 265, 288, 300], [tokenizer.bos, 70, 71, 72, 73, 74, 75, 76, 77, 78]]) {
        const { llama, auton } = await bothGenerate(path, prompt, config.contextLength);
        assert.equal(auton.length, config.contextLength - prompt.length + 1, 'the model writes until its context is full');
        assert.deepEqual(llama, auton);
      }
    });
  }

  it('stops before EOS: neither runtime returns the end token itself', async () => {
    const config = tinyConfig(tokenizer.tokens.length);
    const weights = randomWeights(config, 5);
    const path = join(dir, 'eos.gguf');
    writeFileSync(path, encodeLlamaGguf({ config, tokenizer, weights }, 'Q8_0'));
    const prompt = [tokenizer.bos, 300];
    const free = openAuton(path).generate(prompt, 10);
    // Declare the first token the model writes that it has not written before (after the first)
    // to be EOS: both runtimes must then stop right before it.
    const k = free.findIndex((id, i) => i > 0 && !free.slice(0, i).includes(id));
    assert.ok(k > 0, `no new token in ${free.join(' ')}`);
    writeFileSync(path, encodeLlamaGguf({ config, tokenizer: { ...tokenizer, eos: free[k] ?? 0 }, weights }, 'Q8_0'));
    const { llama, auton } = await bothGenerate(path, prompt, 10);
    assert.deepEqual(auton, free.slice(0, k));
    assert.deepEqual(llama, auton);
  });

  it('llama.cpp\'s tokenizer gives the ids of AUTON\'s SPM tokenizer for varied text', async () => {
    const corpus = [
      '### request: which driver does the Intel 82574L Gigabit Network Connection need?\n### intent: DRIVER_SELECT\n### answer: e1000e',
      '### request: my wifi stopped working after the kernel update\n### intent: TROUBLESHOOT\n### answer: check dmesg for iwlwifi firmware errors',
      '### request: install firefox please\n### intent: APP_INSTALL\n### answer: apt install firefox-esr',
      '### request: restart the ssh service\n### intent: SYSTEM_MANAGE\n### answer: systemctl restart ssh',
      '### request: what is PCI device 10de:1c82?\n### intent: HARDWARE_IDENTIFY\n### answer: NVIDIA GP107 [GeForce GTX 1050 Ti]',
      '### request: set up a static IP on eth0\n### intent: INSTALL_CONFIGURE\n### answer: edit /etc/network/interfaces',
    ];
    const data = trainBpe([...corpus, ...corpus.map((t) => t.toUpperCase()), ...corpus.map((t) => t.replace(/ /g, '  '))], { vocabSize: 420 });
    const config = tinyConfig(data.tokens.length);
    const path = join(dir, 'bpe.gguf');
    writeFileSync(path, encodeLlamaGguf({ config, tokenizer: data, weights: randomWeights(config, 1) }, 'Q8_0'));
    const ours = new SpmTokenizer(data);
    const llama = await openLlamaCpp(path, { vocabOnly: true });
    try {
      const texts = [
        ...corpus, '', ' ', '  leading and trailing  ', 'tabs\tand\nnew\n\nlines', 'which driver for 8086:10d3?', 'systemctl status sshd.service',
        'Ünïcödé — “quotes” and emoji 🐧🚀', '日本語のテキスト', 'a\u2581literal block', 'MIXED case Words, punctuation!?;', '0123456789 1e-5 3.14',
        'apt-get install -y --no-install-recommends qemu-system-x86', 'x'.repeat(200), '\u0000\u0001 control bytes \u007f',
      ];
      for (const text of texts) assert.deepEqual(llama.tokenize(text), ours.encode(text), JSON.stringify(text));
    } finally {
      await llama.dispose();
    }
  });

  (existsSync(SHIPPED) ? it : it.skip)('the shipped model slm/models/auton-slm.gguf: same ids for requests it was not trained on, same continuations', async () => {
    const llama = await openLlamaCpp(SHIPPED, { threads: 1 });
    try {
      const ours = new SpmTokenizer(llama.info.tokenizer);
      const auton = openAuton(SHIPPED);
      const requests = ['my wifi card stopped working after the update', 'which driver does an Intel 82574L need?', 'install a web browser',
        'the screen flickers when I plug in a second monitor', 'turn off bluetooth at boot'];
      for (const request of requests) {
        const prompt = ours.encode(formatPrompt(request), { bos: true });
        assert.deepEqual([llama.info.tokenizer.bos, ...llama.tokenize(formatPrompt(request))], prompt, request);
        // Token for token, except a parting at a proven near-tie of the logits (greedyParity.ts).
        const c = compareGreedy(prompt, await llama.generate(prompt, 48), auton.generate(prompt, 48), llama.info.tokenizer.eos,
          (ids) => auton.logits(ids).at(-1)!);
        assert.ok(c.error === undefined, `${request}: ${c.error}`);
      }
    } finally {
      await llama.dispose();
    }
  });
});
