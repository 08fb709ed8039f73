/**
 * The ggml tensor types AUTON writes and reads, with their GGUF type ids and block layouts, and
 * the one place that turns float weights into stored bytes and back.
 */
import { f16ToF32, f32ToF16 } from './f16';
import { dequantizeQ4_0, Q4_0_BLOCK, Q4_0_BYTES, quantizeQ4_0 } from './q4_0';
import { dequantizeQ8_0, Q8_0_BLOCK, Q8_0_BYTES, quantizeQ8_0 } from './q8_0';

export const GGML_TYPES = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8 } as const;
export type GgmlTypeName = keyof typeof GGML_TYPES;
export type GgmlTypeId = (typeof GGML_TYPES)[GgmlTypeName];

interface Layout { block: number; bytes: number }
const LAYOUT: Record<GgmlTypeName, Layout> = {
  F32: { block: 1, bytes: 4 },
  F16: { block: 1, bytes: 2 },
  Q4_0: { block: Q4_0_BLOCK, bytes: Q4_0_BYTES },
  Q8_0: { block: Q8_0_BLOCK, bytes: Q8_0_BYTES },
};

/** "q8_0" / "Q8_0" / "f32" -> the type name, or undefined. */
export function parseGgmlType(text: string): GgmlTypeName | undefined {
  const upper = text.toUpperCase();
  return upper in GGML_TYPES ? (upper as GgmlTypeName) : undefined;
}

export function ggmlTypeName(id: number): GgmlTypeName | undefined {
  return (Object.keys(GGML_TYPES) as GgmlTypeName[]).find((name) => GGML_TYPES[name] === id);
}

/** Values per block (1 for F32/F16): a row's length must be a multiple of it. */
export function blockSize(type: GgmlTypeName): number {
  return LAYOUT[type].block;
}

/** Bytes that `n` values take in `type` (n a multiple of the block size). */
export function tensorBytes(type: GgmlTypeName, n: number): number {
  const { block, bytes } = LAYOUT[type];
  return (n / block) * bytes;
}

/** Float values -> the little-endian bytes GGUF stores for `type`. */
export function encodeTensor(data: Float32Array, type: GgmlTypeName): Uint8Array {
  switch (type) {
    case 'F32':
      return new Uint8Array(Float32Array.from(data).buffer);
    case 'F16': {
      const out = new Uint16Array(data.length);
      for (let i = 0; i < data.length; i++) out[i] = f32ToF16(data[i] ?? 0);
      return new Uint8Array(out.buffer);
    }
    case 'Q4_0':
      return quantizeQ4_0(data);
    case 'Q8_0':
      return quantizeQ8_0(data);
  }
}

/** Stored bytes of `type` -> `n` float values. */
export function decodeTensor(bytes: Uint8Array, type: GgmlTypeName, n: number): Float32Array {
  switch (type) {
    case 'F32': {
      const copy = new Uint8Array(n * 4);
      copy.set(bytes.subarray(0, n * 4));
      return new Float32Array(copy.buffer);
    }
    case 'F16': {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = f16ToF32(view.getUint16(i * 2, true));
      return out;
    }
    case 'Q4_0':
      return dequantizeQ4_0(bytes, n);
    case 'Q8_0':
      return dequantizeQ8_0(bytes, n);
  }
}
