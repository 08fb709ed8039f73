/**
 * Q8_0, ggml's block_q8_0: 32 weights per 34-byte block, an fp16 scale d then 32 int8 values q;
 * weight = q * d. Quantization follows ggml's quantize_row_q8_0_ref step by step in float32, so
 * AUTON writes the same bytes llama.cpp's own quantizer would.
 */
import { f16ToF32, f32ToF16 } from './f16';

export const Q8_0_BLOCK = 32;
export const Q8_0_BYTES = 34;

const fr = Math.fround;

/** C's roundf: half away from zero. */
function roundf(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/** Quantizes `x` (length a multiple of 32) into Q8_0 blocks. */
export function quantizeQ8_0(x: Float32Array): Uint8Array {
  if (x.length % Q8_0_BLOCK !== 0) throw new Error(`Q8_0 needs a multiple of ${Q8_0_BLOCK} values, got ${x.length}`);
  const nb = x.length / Q8_0_BLOCK;
  const out = new Uint8Array(nb * Q8_0_BYTES);
  const view = new DataView(out.buffer);
  for (let b = 0; b < nb; b++) {
    const base = b * Q8_0_BLOCK;
    let amax = 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) amax = Math.max(amax, Math.abs(x[base + j] ?? 0));
    const d = fr(amax / 127);
    const id = d !== 0 ? fr(1 / d) : 0;
    const o = b * Q8_0_BYTES;
    view.setUint16(o, f32ToF16(d), true);
    for (let j = 0; j < Q8_0_BLOCK; j++) view.setInt8(o + 2 + j, roundf(fr((x[base + j] ?? 0) * id)));
  }
  return out;
}

/** Expands `n` weights from Q8_0 blocks. */
export function dequantizeQ8_0(bytes: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let b = 0; b < n / Q8_0_BLOCK; b++) {
    const o = b * Q8_0_BYTES;
    const d = f16ToF32(view.getUint16(o, true));
    for (let j = 0; j < Q8_0_BLOCK; j++) out[b * Q8_0_BLOCK + j] = view.getInt8(o + 2 + j) * d;
  }
  return out;
}

/**
 * What ggml does to a float32 activation row before multiplying it by a Q8_0 or Q4_0 weight
 * (their vec_dot_type is Q8_0): quantize it to Q8_0 blocks as its AVX2 quantize_row_q8_0 does
 * (d = max|x| / 127 stored as fp16, q = round-half-even(x * 127 / max|x|)), so the product equals
 * the float product of the dequantized weights with these rounded activations. Writes into `out`.
 */
export function roundActivationsQ8_0(out: Float32Array, x: Float32Array): void {
  for (let base = 0; base < x.length; base += Q8_0_BLOCK) {
    let amax = 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) amax = Math.max(amax, Math.abs(x[base + j] ?? 0));
    const d = f16ToF32(f32ToF16(fr(amax / 127)));
    const id = amax !== 0 ? fr(127 / amax) : 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) out[base + j] = roundHalfEven(fr((x[base + j] ?? 0) * id)) * d;
  }
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
