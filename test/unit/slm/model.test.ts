import { strict as assert } from 'node:assert';
import { Backprop, packBatch, type TrainBatch } from '../../../slm/src/model/backprop';
import { countParams, configProblems, estimateFlops, PRESETS } from '../../../slm/src/model/config';
import { buildModel, createRunState, forward } from '../../../slm/src/model/forward';
import { generateIds } from '../../../slm/src/model/generate';
import { scalarMatmulABt } from '../../../slm/src/model/matmul';
import { wasmMatmulABt, wasmMatmulAvailable } from '../../../slm/src/model/wasmMatmul';
import { Rng } from '../../../slm/src/model/rng';
import { initWeights, tensorSpecs, totalSize, viewWeights } from '../../../slm/src/model/weights';
import type { ModelConfig } from '../../../slm/src/types';

const micro: ModelConfig = { ...PRESETS.micro, vocabSize: 23, contextLength: 12 };

/** Parameters with enough spread that every gradient is far from zero (norm gains too). */
function randomParams(c: ModelConfig, seed: number, f64: boolean): Float32Array | Float64Array {
  const n = totalSize(tensorSpecs(c));
  const flat = f64 ? new Float64Array(n) : new Float32Array(n);
  const rng = new Rng(seed);
  for (const s of tensorSpecs(c)) {
    for (let i = s.offset; i < s.offset + s.size; i++) flat[i] = s.shape.length === 1 ? 1 + 0.3 * rng.normal() : 0.35 * rng.normal();
  }
  return flat;
}

function sampleBatch(c: ModelConfig, seed: number): TrainBatch {
  const rng = new Rng(seed);
  const seqs = [7, 12, 4].map((len) => Array.from({ length: len }, () => rng.int(c.vocabSize)));
  // intent-like tokens right after the prompt weigh 3x, as train.intentWeight does
  return packBatch(seqs, [2, 5, 0], { weightedTo: [4, 6, 1], weight: 3 });
}

describe('slm model: config and estimates', () => {
  it('every preset is sound; tiny is about 1M parameters and they grow upward', () => {
    let last = 0;
    for (const [name, c] of Object.entries(PRESETS)) {
      assert.deepEqual(configProblems(c), [], name);
      const total = countParams(c).total;
      assert.equal(total, totalSize(tensorSpecs(c)), `${name}: countParams agrees with the tensor list`);
      assert.ok(total > last, `${name} is bigger than the preset before it`);
      last = total;
    }
    const tiny = countParams(PRESETS.tiny).total;
    assert.ok(tiny > 0.8e6 && tiny < 1.6e6, `tiny has ${tiny} parameters`);
    const f = estimateFlops(PRESETS.tiny);
    assert.ok(f.trainPerToken > 2.9 * f.forwardPerToken && f.forwardAt(10) > f.forwardAt(0));
  });

  it('names what is wrong with a bad shape', () => {
    assert.match(configProblems({ ...micro, nHeads: 3 }).join(), /not a multiple of nHeads/);
    assert.match(configProblems({ ...micro, nKvHeads: 3 }).join(), /nKvHeads/);
    assert.match(configProblems({ ...micro, dim: 0 }).join(), /dim must be a positive/);
  });
});

describe('slm model: matrix kernels', () => {
  it('the WebAssembly SIMD kernel matches the scalar one on ragged shapes, setting and accumulating', () => {
    assert.ok(wasmMatmulAvailable(), 'Node 20 runs WebAssembly SIMD');
    const rng = new Rng(11);
    for (const [M, N, K] of [[1, 1, 1], [3, 5, 7], [2, 4, 4], [17, 33, 129], [64, 40, 96]] as const) {
      const A = Float32Array.from({ length: M * K }, () => rng.normal());
      const B = Float32Array.from({ length: N * K }, () => rng.normal());
      for (const accumulate of [false, true]) {
        const start = Float32Array.from({ length: M * N }, () => rng.normal());
        const scalar = start.slice();
        const simd = start.slice();
        scalarMatmulABt(scalar, A, B, M, N, K, accumulate);
        assert.ok(wasmMatmulABt(simd, A, B, M, N, K, accumulate));
        for (let i = 0; i < M * N; i++) assert.ok(Math.abs(scalar[i]! - simd[i]!) < 1e-4 * Math.sqrt(K), `[${M}x${N}x${K}] entry ${i}: ${scalar[i]} vs ${simd[i]}`);
      }
    }
  });
});

describe('slm model: forward, training pass and gradients', () => {
  it('the batched training pass gives the logits of the one-token forward with its kv cache', () => {
    const params = randomParams(micro, 1, false) as Float32Array;
    const model = buildModel(micro, viewWeights(micro, params));
    const seq = [3, 17, 5, 5, 9, 0, 22, 11];
    // score every position so the training pass returns the loss of each next token
    const batch = packBatch([seq], [0]);
    const bp = new Backprop(micro, params);
    const state = createRunState(micro);
    let expected = 0;
    for (let pos = 0; pos + 1 < seq.length; pos++) {
      const logits = forward(model, state, seq[pos]!, pos);
      let max = -Infinity;
      for (const l of logits) max = Math.max(max, l);
      let sum = 0;
      for (const l of logits) sum += Math.exp(l - max);
      expected += Math.log(sum) - (logits[seq[pos + 1]!]! - max);
    }
    const got = bp.run(batch);
    assert.equal(got.tokens, seq.length - 1);
    assert.ok(Math.abs(got.loss - expected) < 1e-4 * Math.abs(expected), `training loss ${got.loss} vs forward loss ${expected}`);
  });

  it('every parameter tensor type has the gradient finite differences give (float64, micro config with GQA, weighted loss)', () => {
    const params = randomParams(micro, 2, true);
    const batch = sampleBatch(micro, 3);
    const bp = new Backprop(micro, params);
    bp.prepare();
    const grad = new Float64Array(params.length);
    bp.run(batch, grad, 1);
    const rng = new Rng(4);
    const eps = 1e-5;
    const kinds = new Map<string, number>();
    for (const s of tensorSpecs(micro)) {
      const kind = s.name.replace(/^blk\.\d+\./, 'blk.N.');
      // every layer, and several entries of each: the largest gradient and random ones
      let largest = s.offset;
      for (let i = s.offset; i < s.offset + s.size; i++) if (Math.abs(grad[i]!) > Math.abs(grad[largest]!)) largest = i;
      const picks = [largest, ...Array.from({ length: 5 }, () => s.offset + rng.int(s.size))];
      for (const i of picks) {
        const saved = params[i]!;
        params[i] = saved + eps;
        const up = bp.run(batch).loss;
        params[i] = saved - eps;
        const down = bp.run(batch).loss;
        params[i] = saved;
        const numeric = (up - down) / (2 * eps);
        const analytic = grad[i]!;
        const err = Math.abs(numeric - analytic) / Math.max(Math.abs(numeric) + Math.abs(analytic), 1e-6);
        assert.ok(err < 1e-5, `${s.name}[${i - s.offset}]: backward ${analytic}, finite difference ${numeric} (relative error ${err.toExponential(2)})`);
      }
      assert.ok(Math.abs(grad[largest]!) > 1e-4, `${s.name} has a non-trivial gradient`);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    assert.equal(kinds.size, 12, `checked tensor types: ${[...kinds.keys()].join(', ')}`);
  });

  it('rows without a target give no loss and no gradient through the output layer', () => {
    const params = randomParams(micro, 5, true);
    const bp = new Backprop(micro, params);
    bp.prepare();
    const grad = new Float64Array(params.length);
    const none = bp.run(packBatch([[1, 2, 3, 4]], [99]), grad, 1);
    assert.deepEqual(none, { loss: 0, tokens: 0 });
    assert.ok(grad.every((g) => g === 0));
  });

  it('generates greedily and deterministically with temperature', () => {
    const params = initWeights(micro, 7) as Float32Array;
    const model = buildModel(micro, viewWeights(micro, params));
    const a = generateIds(model, [1, 2, 3], { maxTokens: 6 });
    assert.equal(a.length, 6);
    assert.deepEqual(generateIds(model, [1, 2, 3], { maxTokens: 6 }), a);
    const t1 = generateIds(model, [1], { maxTokens: 8, temperature: 1, seed: 3 });
    assert.deepEqual(generateIds(model, [1], { maxTokens: 8, temperature: 1, seed: 3 }), t1);
    assert.throws(() => generateIds(model, [1], { maxTokens: 40 }).length > 0 && forward(model, createRunState(micro), 99, 0), /outside the vocabulary/);
  });
});
