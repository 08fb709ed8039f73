/**
 * GGUF v3 as llama.cpp's gguf.cpp reads it: "GGUF", u32 version, u64 tensor count, u64 metadata
 * count; metadata (key string, u32 value type, value); tensor infos (name, u32 n_dims, u64 ne[],
 * u32 ggml type, u64 offset into the data section); padding to the alignment; tensor data, each
 * tensor starting at a multiple of the alignment. Strings are u64 length + UTF-8 bytes; all
 * numbers little-endian. ne[0] is the fastest-varying dimension, so a row-major [rows, cols]
 * matrix has ne = [cols, rows].
 */
export const GGUF_MAGIC = 'GGUF';
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** ggml's GGML_MAX_DIMS. */
export const GGUF_MAX_DIMS = 4;

export const VALUE_TYPES = {
  u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12,
} as const;
export type ValueTypeName = keyof typeof VALUE_TYPES;
export type NumberTypeName = Exclude<ValueTypeName, 'bool' | 'string' | 'array'>;
export type ItemTypeName = Exclude<ValueTypeName, 'array'>;

/** Bytes of one fixed-size value (strings and arrays have none). */
export const VALUE_SIZE: Record<NumberTypeName | 'bool', number> = {
  u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, u64: 8, i64: 8, f64: 8,
};

export type GgufValue =
  | { type: NumberTypeName; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: NumberTypeName; value: number[] }
  | { type: 'array'; itemType: 'bool'; value: boolean[] }
  | { type: 'array'; itemType: 'string'; value: string[] };

export type GgufMetadata = Map<string, GgufValue>;

export function valueTypeName(id: number): ValueTypeName | undefined {
  return (Object.keys(VALUE_TYPES) as ValueTypeName[]).find((name) => VALUE_TYPES[name] === id);
}

/** A GGUF file that cannot be used, with the reason in words a user can act on. */
export class GgufError extends Error {
  override name = 'GgufError';
}

export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}
