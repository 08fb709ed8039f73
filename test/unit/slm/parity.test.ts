import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeLlamaGguf } from '../../../slm/src/gguf/llamaModel';
import { openAuton } from '../../../slm/src/runtime/auton';
import { openLlamaCpp } from '../../../slm/src/runtime/llamacpp';
import type { GgmlTypeName } from '../../../slm/src/quant/tensorTypes';
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

  (existsSync(SHIPPED) ? it : it.skip)('the shipped model slm/models/auton-slm.gguf, on requests it was not trained on', async () => {
    const llama = await openLlamaCpp(SHIPPED, { threads: 1 });
    try {
      const eos = llama.info.tokenizer.eos;
      for (const request of ['my wifi card stopped working after the update', 'which driver does an Intel 82574L need?', 'install a web browser']) {
        const prompt = [llama.info.tokenizer.bos, ...llama.tokenize(`### request: ${request}\n### intent:`)];
        const expected = openAuton(SHIPPED).generate(prompt, 48);
        assert.deepEqual(await llama.generate(prompt, 48), expected, request);
        assert.ok(!expected.includes(eos));
      }
    } finally {
      await llama.dispose();
    }
  });
});
