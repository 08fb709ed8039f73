import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GgufError } from '../../../slm/src/gguf/format';
import { llamaMetadata } from '../../../slm/src/gguf/llamaLayout';
import { encodeLlamaGguf } from '../../../slm/src/gguf/llamaModel';
import { parseGguf } from '../../../slm/src/gguf/reader';
import { writeGguf } from '../../../slm/src/gguf/writer';
import { openLlamaCpp } from '../../../slm/src/runtime/llamacpp';
import { randomWeights, tinyConfig, tinyTokenizer } from './ggufFixtures';

describe('slm runtime: node-llama-cpp wrapper', function () {
  this.timeout(60_000);
  let dir: string;
  const tokenizer = tinyTokenizer();
  const config = tinyConfig(tokenizer.tokens.length);
  const good = encodeLlamaGguf({ config, tokenizer, weights: randomWeights(config, 9) }, 'Q8_0');
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'auton-runtime-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a validated file, reports its config and tokenizes with its vocabulary', async () => {
    const path = join(dir, 'good.gguf');
    writeFileSync(path, good);
    const session = await openLlamaCpp(path, { vocabOnly: true });
    try {
      assert.deepEqual(session.info.config, { ...config, normEps: Math.fround(config.normEps) });
      // "▁the" is a vocabulary entry; "é" falls back to its two UTF-8 byte tokens.
      const ids = session.tokenize('the é');
      assert.deepEqual(ids.map((id) => tokenizer.tokens[id]), ['▁the', '▁', '<0xC3>', '<0xA9>']);
      assert.equal(session.detokenize(ids).trim(), 'the é');
    } finally {
      await session.dispose();
    }
  });

  it('refuses a file llama.cpp would abort on (no llama.feed_forward_length) before llama.cpp sees it', async () => {
    const file = parseGguf(good);
    const metadata = llamaMetadata(config, tokenizer, 'Q8_0');
    metadata.delete('llama.feed_forward_length');
    const path = join(dir, 'no-ffn.gguf');
    writeFileSync(path, writeGguf(metadata, file.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.type, data: good.subarray(t.offset, t.offset + t.bytes) }))));
    await assert.rejects(openLlamaCpp(path), (e: unknown) => e instanceof GgufError && e.message === `${path}: not a llama model llama.cpp can load: missing key llama.feed_forward_length`);
  });

  it('refuses a truncated file with the reason', async () => {
    const path = join(dir, 'cut.gguf');
    writeFileSync(path, good.subarray(0, good.length - 100));
    await assert.rejects(openLlamaCpp(path), /cut\.gguf: file is truncated: tensor output\.weight/);
  });
});
