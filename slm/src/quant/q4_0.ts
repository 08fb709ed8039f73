/**
 * Q4_0, ggml's block_q4_0: 32 weights per 18-byte block, an fp16 scale d then 16 bytes; byte j
 * holds weight j in its low nibble and weight j+16 in its high nibble; weight = (q - 8) * d.
 * Quantization follows ggml's quantize_row_q4_0_ref step by step in float32: d is the value of
 * largest magnitude divided by -8, so that value maps exactly to q = 0.
 */
import { f16ToF32, f32ToF16 } from './f16';

export const Q4_0_BLOCK = 32;
export const Q4_0_BYTES = 18;

const fr = Math.fround;

/** Quantizes `x` (length a multiple of 32) into Q4_0 blocks. */
export function quantizeQ4_0(x: Float32Array): Uint8Array {
  if (x.length % Q4_0_BLOCK !== 0) throw new Error(`Q4_0 needs a multiple of ${Q4_0_BLOCK} values, got ${x.length}`);
  const nb = x.length / Q4_0_BLOCK;
  const out = new Uint8Array(nb * Q4_0_BYTES);
  const view = new DataView(out.buffer);
  const half = Q4_0_BLOCK / 2;
  for (let b = 0; b < nb; b++) {
    const base = b * Q4_0_BLOCK;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < Q4_0_BLOCK; j++) {
      const v = x[base + j] ?? 0;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = fr(max / -8);
    const id = d !== 0 ? fr(1 / d) : 0;
    const o = b * Q4_0_BYTES;
    view.setUint16(o, f32ToF16(d), true);
    for (let j = 0; j < half; j++) {
      // (int8_t)(x*id + 8.5f) truncates toward zero; the sum is never negative here.
      const q0 = Math.min(15, Math.trunc(fr(fr((x[base + j] ?? 0) * id) + 8.5)));
      const q1 = Math.min(15, Math.trunc(fr(fr((x[base + half + j] ?? 0) * id) + 8.5)));
      out[o + 2 + j] = q0 | (q1 << 4);
    }
  }
  return out;
}

/** Expands `n` weights from Q4_0 blocks. */
export function dequantizeQ4_0(bytes: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const half = Q4_0_BLOCK / 2;
  for (let b = 0; b < n / Q4_0_BLOCK; b++) {
    const o = b * Q4_0_BYTES;
    const d = f16ToF32(view.getUint16(o, true));
    for (let j = 0; j < half; j++) {
      const byte = bytes[o + 2 + j] ?? 0;
      out[b * Q4_0_BLOCK + j] = ((byte & 0x0f) - 8) * d;
      out[b * Q4_0_BLOCK + half + j] = ((byte >> 4) - 8) * d;
    }
  }
  return out;
}
