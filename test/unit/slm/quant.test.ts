import { strict as assert } from 'node:assert';
import { activationRounding } from '../../../slm/src/quant/activations';
import { measureQuantization } from '../../../slm/src/quant/accuracy';
import { f16ToF32, f32ToF16 } from '../../../slm/src/quant/f16';
import { dequantizeQ4_0, Q4_0_BYTES, quantizeQ4_0 } from '../../../slm/src/quant/q4_0';
import { dequantizeQ8_0, Q8_0_BYTES, quantizeQ8_0, roundActivationsQ8_0 } from '../../../slm/src/quant/q8_0';
import { roundTripWeights, storageType } from '../../../slm/src/quant/quantize';
import { decodeTensor, encodeTensor, tensorBytes } from '../../../slm/src/quant/tensorTypes';
import { Rng } from '../../../slm/src/model/rng';
import type { Weights } from '../../../slm/src/types';

function randomVector(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

describe('slm quant: fp16', () => {
  const cases: [number, number][] = [
    [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00],
    [2 ** -24, 0x0001], [2 ** -14, 0x0400], [2 ** -25, 0x0000], [3 * 2 ** -26, 0x0001],
    [1 + 2 ** -11, 0x3c00], // a tie rounds to the even mantissa...
    [1 + 3 * 2 ** -11, 0x3c02], // ...in both directions
    [1 + 2 ** -11 + 2 ** -20, 0x3c01], [0.1, 0x2e66], [Infinity, 0x7c00], [-Infinity, 0xfc00],
  ];
  for (const [value, bits] of cases) {
    it(`encodes ${value} as 0x${bits.toString(16).padStart(4, '0')}`, () => assert.equal(f32ToF16(value), bits));
  }

  it('keeps NaN a NaN and decodes every finite half exactly back to itself', () => {
    assert.ok(Number.isNaN(f16ToF32(f32ToF16(NaN))));
    for (let h = 0; h < 0x10000; h++) {
      const v = f16ToF32(h);
      if (Number.isFinite(v)) assert.equal(f32ToF16(v), h === 0x8000 ? 0x8000 : h, `0x${h.toString(16)}`);
    }
  });
});

describe('slm quant: Q8_0 (ggml block_q8_0)', () => {
  it('stores an fp16 scale then 32 int8 values per 34-byte block, d = max|x| / 127', () => {
    const x = Float32Array.from({ length: 32 }, (_, j) => (j - 16) / 4);
    x[5] = 127 / 8; // the largest magnitude: q = 127, d = 1/8
    const bytes = quantizeQ8_0(x);
    assert.equal(bytes.length, Q8_0_BYTES);
    const view = new DataView(bytes.buffer);
    assert.equal(f16ToF32(view.getUint16(0, true)), 0.125);
    assert.equal(view.getInt8(2 + 5), 127);
    assert.equal(view.getInt8(2 + 0), -32); // -4 / 0.125
    assert.equal(view.getInt8(2 + 18), 4); // 0.5 / 0.125
    assert.deepEqual(Array.from(dequantizeQ8_0(bytes, 32)), Array.from(x, (v, j) => (j === 5 ? 127 / 8 : v)));
  });

  it('rounds half away from zero as C roundf does', () => {
    const x = new Float32Array(32);
    x[0] = 127;
    x[1] = 2.5;
    x[2] = -2.5;
    const view = new DataView(quantizeQ8_0(x).buffer);
    assert.equal(view.getInt8(3), 3);
    assert.equal(view.getInt8(4), -3);
  });

  it('reconstructs random weights within half a step of each block (plus the fp16 rounding of the scale)', () => {
    const x = randomVector(32 * 64, 1);
    const y = dequantizeQ8_0(quantizeQ8_0(x), x.length);
    for (let b = 0; b < 64; b++) {
      const block = x.subarray(b * 32, b * 32 + 32);
      const d = Math.max(...Array.from(block, Math.abs)) / 127;
      for (let j = 0; j < 32; j++) assert.ok(Math.abs((y[b * 32 + j] ?? 0) - (block[j] ?? 0)) <= d * (0.5 + 127 * 2 ** -11));
    }
  });

  it('maps an all-zero block to d = 0 and zeros', () => {
    const bytes = quantizeQ8_0(new Float32Array(32));
    assert.ok(bytes.every((b) => b === 0));
  });

  it('refuses a length that is not whole blocks', () => {
    assert.throws(() => quantizeQ8_0(new Float32Array(33)), /multiple of 32/);
  });
});

describe('slm quant: Q4_0 (ggml block_q4_0)', () => {
  it('puts element j in the low nibble and j+16 in the high nibble of byte j, value (q-8)*d', () => {
    const x = new Float32Array(32);
    x[0] = -8; // the largest magnitude: d = -8 / -8 = 1, q = 0
    x[1] = 3; // q = 3/-1... d is 1 here, so q = 3 + 8 = 11
    x[16] = 7; // q = 15
    x[17] = -1; // q = 7
    const bytes = quantizeQ4_0(x);
    assert.equal(bytes.length, Q4_0_BYTES);
    const d = f16ToF32(new DataView(bytes.buffer).getUint16(0, true));
    assert.equal(d, 1);
    assert.equal(bytes[2], 0x0 | (15 << 4));
    assert.equal(bytes[3], 11 | (7 << 4));
    assert.equal(bytes[4], 8 | (8 << 4)); // zeros are q = 8
    const y = dequantizeQ4_0(bytes, 32);
    assert.deepEqual([y[0], y[1], y[16], y[17], y[2]], [-8, 3, 7, -1, 0]);
  });

  it('uses the signed value of largest magnitude divided by -8 as the scale', () => {
    const x = new Float32Array(32);
    x[3] = 4; // largest magnitude, positive: d = -0.5, so x = 4 maps to q = 0
    x[4] = -3.5; // q = 7 + 8 = 15
    const bytes = quantizeQ4_0(x);
    assert.equal(f16ToF32(new DataView(bytes.buffer).getUint16(0, true)), -0.5);
    const y = dequantizeQ4_0(bytes, 32);
    assert.equal(y[3], 4);
    assert.equal(y[4], -3.5);
  });

  it('reconstructs random weights within one step of each block (the clamp at q = 15 costs at most one)', () => {
    const x = randomVector(32 * 64, 2);
    const y = dequantizeQ4_0(quantizeQ4_0(x), x.length);
    for (let b = 0; b < 64; b++) {
      const block = x.subarray(b * 32, b * 32 + 32);
      const d = Math.max(...Array.from(block, Math.abs)) / 8;
      for (let j = 0; j < 32; j++) assert.ok(Math.abs((y[b * 32 + j] ?? 0) - (block[j] ?? 0)) <= d * (1 + 8 * 2 ** -11));
    }
  });
});

describe('slm quant: storage types and accuracy', () => {
  it('knows the byte size of each type', () => {
    assert.equal(tensorBytes('F32', 64), 256);
    assert.equal(tensorBytes('F16', 64), 128);
    assert.equal(tensorBytes('Q8_0', 64), 68);
    assert.equal(tensorBytes('Q4_0', 64), 36);
  });

  it('round-trips F32 exactly and F16 to the nearest half', () => {
    const x = randomVector(64, 3);
    assert.deepEqual(decodeTensor(encodeTensor(x, 'F32'), 'F32', 64), x);
    const h = decodeTensor(encodeTensor(x, 'F16'), 'F16', 64);
    for (let i = 0; i < 64; i++) assert.ok(Math.abs((h[i] ?? 0) - (x[i] ?? 0)) <= Math.abs(x[i] ?? 0) * 2 ** -11);
  });

  it('keeps vectors and rows that are not whole blocks in F32', () => {
    assert.equal(storageType([64], 'Q8_0'), 'F32');
    assert.equal(storageType([64, 48], 'Q4_0'), 'F32');
    assert.equal(storageType([48, 64], 'Q4_0'), 'Q4_0');
  });

  it('reports the metric change of each type through the caller\'s evaluation', async () => {
    const w: Weights = new Map([
      ['blk.0.attn_q.weight', { shape: [32, 64], data: randomVector(32 * 64, 4) }],
      ['blk.0.attn_norm.weight', { shape: [64], data: randomVector(64, 5) }],
    ]);
    const original = w.get('blk.0.attn_q.weight')?.data ?? new Float32Array();
    // A metric that is 0 on the F32 weights: the mean absolute change of the matrix.
    const metric = (weights: Weights): number => {
      const q = weights.get('blk.0.attn_q.weight')?.data ?? new Float32Array();
      return q.reduce((s, v, i) => s + Math.abs(v - (original[i] ?? 0)), 0) / q.length;
    };
    const [q8, q4] = await measureQuantization(w, ['Q8_0', 'Q4_0'], metric);
    assert.ok(q8 !== undefined && q4 !== undefined);
    assert.equal(q8.f32, 0);
    assert.ok(q8.delta > 0 && q4.delta > q8.delta * 4, `Q8_0 ${q8.delta}, Q4_0 ${q4.delta}`);
    const norm = q4.tensors.find((t) => t.name === 'blk.0.attn_norm.weight');
    assert.deepEqual(norm, { name: 'blk.0.attn_norm.weight', type: 'F32', rmse: 0, maxAbs: 0 });
    assert.deepEqual(roundTripWeights(w, 'Q8_0').get('blk.0.attn_norm.weight')?.data, w.get('blk.0.attn_norm.weight')?.data);
  });

  it('rounds activations as llama.cpp does for each weight type', () => {
    assert.equal(activationRounding('F32'), undefined);
    const x = randomVector(64, 6);
    const out = new Float32Array(64);
    activationRounding('F16')?.(out, x);
    assert.deepEqual(out, Float32Array.from(x, (v) => f16ToF32(f32ToF16(v))));
    roundActivationsQ8_0(out, x);
    // Each block is a multiple of its fp16 scale, and about half a step away at most.
    for (let b = 0; b < 2; b++) {
      const block = x.subarray(b * 32, b * 32 + 32);
      const amax = Math.max(...Array.from(block, Math.abs));
      const d = f16ToF32(f32ToF16(Math.fround(amax / 127)));
      for (let j = 0; j < 32; j++) {
        const q = (out[b * 32 + j] ?? 0) / d;
        assert.ok(Math.abs(q - Math.round(q)) < 1e-6 && Math.abs(q) <= 127);
        assert.ok(Math.abs((out[b * 32 + j] ?? 0) - (block[j] ?? 0)) <= d * (0.5 + 127 * 2 ** -11));
      }
    }
    assert.equal(activationRounding('Q4_0'), activationRounding('Q8_0'));
  });
});
