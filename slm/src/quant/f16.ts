/**
 * IEEE 754 half precision, bit-exact with ggml's GGML_FP32_TO_FP16 / GGML_FP16_TO_FP32:
 * round to nearest, ties to even; overflow becomes infinity; NaN stays NaN.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 value `v` (rounded to float32 first) as fp16 bits. */
export function f32ToF16(v: number): number {
  f32[0] = v;
  const x = u32[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1) !== 0)) half++;
    return sign | half;
  }
  // A carry out of the mantissa correctly bumps the exponent (and reaches infinity at the top).
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) !== 0)) half++;
  return sign | half;
}

/** fp16 bits as a number (exact: every fp16 value is a float32 value). */
export function f16ToF32(h: number): number {
  const sign = (h & 0x8000) !== 0 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant !== 0 ? NaN : sign * Infinity;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** Rounds every value through fp16, as storing a tensor as F16 does. */
export function roundToF16(data: Float32Array): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = f16ToF32(f32ToF16(data[i] ?? 0));
  return out;
}
