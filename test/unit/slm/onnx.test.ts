import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeLlamaGguf, loadLlamaGguf } from '../../../slm/src/gguf/llamaModel';
import { exportLlamaOnnx } from '../../../slm/src/onnx/llamaGraph';
import { openAuton } from '../../../slm/src/runtime/auton';
import { openOnnx } from '../../../slm/src/runtime/onnx';
import { randomWeights, tinyConfig, tinyTokenizer } from './ggufFixtures';

/** Largest |a - b| over all positions and vocabulary entries. */
function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let max = 0;
  a.forEach((row, t) => row.forEach((v, i) => {
    max = Math.max(max, Math.abs(v - (b[t]?.[i] ?? NaN)));
  }));
  return max;
}

describe('slm onnx: the llama graph in onnxruntime-node', function () {
  this.timeout(60_000);
  let dir: string;
  const tokenizer = tinyTokenizer();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'auton-onnx-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // GQA with 2 query heads per kv head, and plain multi-head attention.
  for (const kv of [2, 4]) {
    it(`gives the logits of AUTON's forward pass at every position (nKvHeads ${kv}, any sequence length)`, async () => {
      const config = tinyConfig(tokenizer.tokens.length, { nKvHeads: kv });
      const path = join(dir, `kv${kv}.gguf`);
      writeFileSync(path, encodeLlamaGguf({ config, tokenizer, weights: randomWeights(config, 3) }, 'F32'));
      const model = loadLlamaGguf(path);
      const onnx = await openOnnx(await exportLlamaOnnx(model.config, model.weights), { contextLength: config.contextLength });
      const auton = openAuton(path, { llamaCppRounding: false });
      try {
        for (const length of [1, 7, config.contextLength]) {
          const ids = Array.from({ length }, (_, i) => (i * 37 + 1) % config.vocabSize);
          const diff = maxAbsDiff(await onnx.logits(ids), auton.logits(ids));
          assert.ok(diff < 1e-3, `length ${length}: max |onnx - auton| = ${diff}`);
        }
        const prompt = [tokenizer.bos, 300, 301, 302];
        assert.deepEqual(await onnx.generate(prompt, 40, tokenizer.eos), auton.generate(prompt, 40));
      } finally {
        await onnx.dispose();
      }
    });
  }

  it('runs a model exported from quantized weights (the dequantized values) the same way', async () => {
    const config = tinyConfig(tokenizer.tokens.length);
    const path = join(dir, 'q4.gguf');
    writeFileSync(path, encodeLlamaGguf({ config, tokenizer, weights: randomWeights(config, 4) }, 'Q4_0'));
    const model = loadLlamaGguf(path);
    const onnx = await openOnnx(await exportLlamaOnnx(model.config, model.weights));
    try {
      const ids = [1, 5, 9, 300, 320];
      const diff = maxAbsDiff(await onnx.logits(ids), openAuton(path, { llamaCppRounding: false }).logits(ids));
      assert.ok(diff < 1e-3, `max |onnx - auton| = ${diff}`);
    } finally {
      await onnx.dispose();
    }
  });
});
