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
