/**
 * Parses a GGUF file image, checking every length and offset against the file so that a
 * truncated or corrupted file gives a one-line GgufError instead of a crash or a huge allocation.
 * It checks the container only; validate.ts checks that the content is a llama model.
 */
import { readFileSync, statSync } from 'node:fs';
import { blockSize, ggmlTypeName, type GgmlTypeName, tensorBytes } from '../quant/tensorTypes';
import {
  alignUp, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_MAX_DIMS, GGUF_VERSION, GgufError, type GgufMetadata,
  type GgufValue, type ItemTypeName, type NumberTypeName, VALUE_SIZE, valueTypeName,
} from './format';

export interface GgufTensorInfo {
  name: string;
  /** Row-major shape (the file's ne[] reversed). */
  shape: number[];
  type: GgmlTypeName;
  /** Absolute byte offset of the data in the file. */
  offset: number;
  bytes: number;
}

export interface GgufFile {
  version: number;
  metadata: GgufMetadata;
  tensors: GgufTensorInfo[];
  alignment: number;
  dataOffset: number;
  buffer: Buffer;
}

/** Files above this are refused before reading: AUTON's models are a few MiB. */
export const MAX_GGUF_BYTES = 2 ** 31 - 1;
/** Bounds no sane file exceeds; larger counts mean corruption, not a big model. */
const MAX_KEY_BYTES = 65_536;
const MAX_DIM = 2 ** 40;

class Cursor {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new GgufError(`file is truncated: ${what} at byte ${this.pos} needs ${n} bytes but the file ends at ${this.buf.length}`);
    }
  }

  number(type: NumberTypeName | 'bool', what: string): number {
    this.need(VALUE_SIZE[type], what);
    const b = this.buf;
    const p = this.pos;
    this.pos += VALUE_SIZE[type];
    switch (type) {
      case 'u8': case 'bool': return b.readUInt8(p);
      case 'i8': return b.readInt8(p);
      case 'u16': return b.readUInt16LE(p);
      case 'i16': return b.readInt16LE(p);
      case 'u32': return b.readUInt32LE(p);
      case 'i32': return b.readInt32LE(p);
      case 'f32': return b.readFloatLE(p);
      case 'f64': return b.readDoubleLE(p);
      case 'u64': case 'i64': {
        const v = type === 'u64' ? b.readBigUInt64LE(p) : b.readBigInt64LE(p);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
          throw new GgufError(`${what} at byte ${p} is ${v}, an absurd value: the file is corrupted`);
        }
        return Number(v);
      }
    }
  }

  /** A u64 count that must fit in the rest of the file at `minBytes` each. */
  count(what: string, minBytes: number): number {
    const at = this.pos;
    const n = this.number('u64', what);
    const left = this.buf.length - this.pos;
    if (n * minBytes > left) {
      throw new GgufError(`${what} at byte ${at} is ${n}, more than the ${left} bytes left in the file can hold: the file is truncated or corrupted`);
    }
    return n;
  }

  string(what: string, maxBytes = Infinity): string {
    const at = this.pos;
    const n = this.count(`length of ${what}`, 1);
    if (n > maxBytes) throw new GgufError(`${what} at byte ${at} is ${n} bytes long, an absurd length: the file is corrupted`);
    this.need(n, what);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  item(type: ItemTypeName, what: string): number | boolean | string {
    if (type === 'string') return this.string(what);
    if (type === 'bool') return this.number('bool', what) !== 0;
    return this.number(type, what);
  }

  valueType(what: string): ItemTypeName | 'array' {
    const at = this.pos;
    const id = this.number('u32', what);
    const name = valueTypeName(id);
    if (name === undefined) throw new GgufError(`${what} at byte ${at} is ${id}, not a GGUF value type (0-12): the file is corrupted`);
    return name;
  }

  value(key: string): GgufValue {
    const type = this.valueType(`value type of ${key}`);
    if (type === 'string') return { type, value: this.string(key) };
    if (type === 'bool') return { type, value: this.number('bool', key) !== 0 };
    if (type !== 'array') return { type, value: this.number(type, key) };
    const itemType = this.valueType(`item type of ${key}`);
    if (itemType === 'array') throw new GgufError(`${key} is an array of arrays, which AUTON does not read`);
    const n = this.count(`length of ${key}`, itemType === 'string' ? 8 : VALUE_SIZE[itemType]);
    const items: (number | boolean | string)[] = new Array<number | boolean | string>(n);
    for (let i = 0; i < n; i++) items[i] = this.item(itemType, `${key}[${i}]`);
    return { type: 'array', itemType, value: items } as GgufValue;
  }
}

/** Parses a GGUF image; readGgufFile adds the file name to errors. */
export function parseGguf(buffer: Buffer): GgufFile {
  const c = new Cursor(buffer);
  if (buffer.length < 4 || buffer.toString('latin1', 0, 4) !== GGUF_MAGIC) {
    const got = JSON.stringify(buffer.toString('latin1', 0, Math.min(4, buffer.length)));
    throw new GgufError(`not a GGUF file: it starts with ${got}, not "GGUF"`);
  }
  c.pos = 4;
  const version = c.number('u32', 'version');
  if (version !== GGUF_VERSION) throw new GgufError(`GGUF version ${version} is not supported: AUTON reads version ${GGUF_VERSION}`);
  // A tensor info takes at least 8 (name) + 4 + 4 + 8 bytes; a key-value pair at least 8 + 4 + 1.
  const nTensors = c.count('tensor count', 24);
  const nKv = c.count('metadata count', 13);

  const metadata: GgufMetadata = new Map();
  for (let i = 0; i < nKv; i++) {
    const key = c.string(`metadata key #${i}`, MAX_KEY_BYTES);
    if (metadata.has(key)) throw new GgufError(`metadata key ${key} appears twice`);
    metadata.set(key, c.value(key));
  }

  const alignmentValue = metadata.get('general.alignment');
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  if (alignmentValue !== undefined) {
    if (alignmentValue.type !== 'u32' || alignmentValue.value === 0 || (alignmentValue.value & (alignmentValue.value - 1)) !== 0) {
      throw new GgufError(`general.alignment must be a u32 power of two, got ${JSON.stringify(alignmentValue.value)} (${alignmentValue.type})`);
    }
    alignment = alignmentValue.value;
  }

  interface RawInfo { name: string; shape: number[]; type: GgmlTypeName; relative: number; bytes: number }
  const raw: RawInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const name = c.string(`name of tensor #${i}`, MAX_KEY_BYTES);
    if (names.has(name)) throw new GgufError(`tensor ${name} appears twice`);
    names.add(name);
    const nDims = c.number('u32', `dimension count of ${name}`);
    if (nDims < 1 || nDims > GGUF_MAX_DIMS) throw new GgufError(`tensor ${name} has ${nDims} dimensions; GGUF allows 1 to ${GGUF_MAX_DIMS}`);
    const ne: number[] = [];
    for (let d = 0; d < nDims; d++) {
      const dim = c.number('u64', `dimension ${d} of ${name}`);
      if (dim < 1 || dim > MAX_DIM) throw new GgufError(`tensor ${name} has dimension ${d} of size ${dim}, an absurd size: the file is corrupted`);
      ne.push(dim);
    }
    const typeId = c.number('u32', `type of ${name}`);
    const type = ggmlTypeName(typeId);
    if (type === undefined) {
      throw new GgufError(`tensor ${name} has ggml type ${typeId}, which AUTON does not read (it reads F32=0, F16=1, Q4_0=2, Q8_0=8)`);
    }
    const relative = c.number('u64', `offset of ${name}`);
    const elements = ne.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(elements) || elements > buffer.length * 2) {
      throw new GgufError(`tensor ${name} claims ${ne.join(' x ')} elements, more than the file could hold: the file is corrupted`);
    }
    if ((ne[0] ?? 0) % blockSize(type) !== 0) {
      throw new GgufError(`tensor ${name} is ${type} but its rows (${ne[0]}) are not a multiple of the block size ${blockSize(type)}`);
    }
    if (relative % alignment !== 0) throw new GgufError(`tensor ${name} starts at data offset ${relative}, not a multiple of the alignment ${alignment}`);
    raw.push({ name, shape: [...ne].reverse(), type, relative, bytes: tensorBytes(type, elements) });
  }

  const dataOffset = alignUp(c.pos, alignment);
  const tensors: GgufTensorInfo[] = raw.map((t) => ({ name: t.name, shape: t.shape, type: t.type, offset: dataOffset + t.relative, bytes: t.bytes }));
  const byOffset = [...tensors].sort((a, b) => a.offset - b.offset);
  for (let i = 0; i < byOffset.length; i++) {
    const t = byOffset[i] as GgufTensorInfo;
    const next = byOffset[i + 1];
    if (t.offset + t.bytes > buffer.length) {
      throw new GgufError(`file is truncated: tensor ${t.name} (${t.bytes} bytes at byte ${t.offset}) ends past the end of the file (${buffer.length} bytes)`);
    }
    if (next !== undefined && t.offset + t.bytes > next.offset) throw new GgufError(`tensors ${t.name} and ${next.name} overlap: the file is corrupted`);
  }
  return { version, metadata, tensors, alignment, dataOffset, buffer };
}

/** Reads and parses a GGUF file; errors name the file. */
export function readGgufFile(path: string): GgufFile {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new GgufError(`${path}: no such file`);
  }
  if (size > MAX_GGUF_BYTES) throw new GgufError(`${path}: ${size} bytes is more than AUTON's GGUF reader takes (2 GiB)`);
  try {
    return parseGguf(readFileSync(path));
  } catch (error) {
    if (error instanceof GgufError) throw new GgufError(`${path}: ${error.message}`);
    throw error;
  }
}

/** The stored bytes of one tensor (a view into the file image). */
export function tensorBytesOf(file: GgufFile, info: GgufTensorInfo): Uint8Array {
  return file.buffer.subarray(info.offset, info.offset + info.bytes);
}
