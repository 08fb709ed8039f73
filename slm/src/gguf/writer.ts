/** Serialises metadata and tensors into a GGUF v3 file image (see format.ts). */
import { alignUp, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, type GgufMetadata, type GgufValue, type ItemTypeName, VALUE_SIZE, VALUE_TYPES } from './format';
import { GGML_TYPES, type GgmlTypeName } from '../quant/tensorTypes';

export interface GgufTensorInput {
  name: string;
  /** Row-major shape, as AUTON's Tensor (the file stores it reversed, ne[0] first). */
  shape: number[];
  type: GgmlTypeName;
  /** The stored bytes (see quant/tensorTypes.ts encodeTensor). */
  data: Uint8Array;
}

class ByteWriter {
  private chunks: Buffer[] = [];
  length = 0;

  private push(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }

  number(type: ItemTypeName, value: number | boolean): void {
    if (type === 'string') throw new Error('ByteWriter.number cannot write a string');
    const n = typeof value === 'boolean' ? Number(value) : value;
    const b = Buffer.alloc(VALUE_SIZE[type]);
    switch (type) {
      case 'u8': case 'bool': b.writeUInt8(n); break;
      case 'i8': b.writeInt8(n); break;
      case 'u16': b.writeUInt16LE(n); break;
      case 'i16': b.writeInt16LE(n); break;
      case 'u32': b.writeUInt32LE(n); break;
      case 'i32': b.writeInt32LE(n); break;
      case 'f32': b.writeFloatLE(n); break;
      case 'u64': b.writeBigUInt64LE(BigInt(n)); break;
      case 'i64': b.writeBigInt64LE(BigInt(n)); break;
      case 'f64': b.writeDoubleLE(n); break;
    }
    this.push(b);
  }

  string(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    this.number('u64', bytes.length);
    this.push(bytes);
  }

  bytes(data: Uint8Array): void {
    this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  padTo(alignment: number): void {
    const pad = alignUp(this.length, alignment) - this.length;
    if (pad > 0) this.push(Buffer.alloc(pad));
  }

  value(v: GgufValue): void {
    this.number('u32', VALUE_TYPES[v.type]);
    if (v.type === 'string') this.string(v.value);
    else if (v.type === 'array') {
      this.number('u32', VALUE_TYPES[v.itemType]);
      this.number('u64', v.value.length);
      for (const item of v.value) {
        if (typeof item === 'string') this.string(item);
        else this.number(v.itemType, item);
      }
    } else this.number(v.type, v.value);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

/** The GGUF file image of `metadata` and `tensors`, tensors laid out in the order given. */
export function writeGguf(metadata: GgufMetadata, tensors: readonly GgufTensorInput[]): Buffer {
  const alignmentValue = metadata.get('general.alignment');
  const alignment = alignmentValue?.type === 'u32' ? alignmentValue.value : GGUF_DEFAULT_ALIGNMENT;
  const w = new ByteWriter();
  w.bytes(Buffer.from(GGUF_MAGIC, 'latin1'));
  w.number('u32', GGUF_VERSION);
  w.number('u64', tensors.length);
  w.number('u64', metadata.size);
  for (const [key, value] of metadata) {
    w.string(key);
    w.value(value);
  }
  let offset = 0;
  for (const t of tensors) {
    w.string(t.name);
    w.number('u32', t.shape.length);
    for (const dim of [...t.shape].reverse()) w.number('u64', dim);
    w.number('u32', GGML_TYPES[t.type]);
    w.number('u64', offset);
    offset = alignUp(offset + t.data.byteLength, alignment);
  }
  w.padTo(alignment);
  for (const t of tensors) {
    w.bytes(t.data);
    w.padTo(alignment);
  }
  return w.toBuffer();
}
