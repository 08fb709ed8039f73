import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GgufError, type GgufMetadata } from '../../../slm/src/gguf/format';
import { llamaMetadata } from '../../../slm/src/gguf/llamaLayout';
import { encodeLlamaGguf, loadLlamaGguf, type LlamaModel } from '../../../slm/src/gguf/llamaModel';
import { parseGguf, readGgufFile } from '../../../slm/src/gguf/reader';
import { validateLlamaGguf } from '../../../slm/src/gguf/validate';
import { type GgufTensorInput, writeGguf } from '../../../slm/src/gguf/writer';
import { tensorSpecs } from '../../../slm/src/model/weights';
import { storageType } from '../../../slm/src/quant/quantize';
import { decodeTensor, encodeTensor, type GgmlTypeName } from '../../../slm/src/quant/tensorTypes';
import { Rng } from '../../../slm/src/model/rng';
import { randomWeights, tinyConfig, tinyTokenizer } from './ggufFixtures';

const tokenizer = tinyTokenizer();
const config = tinyConfig(tokenizer.tokens.length);
const model: LlamaModel = { config, tokenizer, weights: randomWeights(config, 7) };
const TYPES: GgmlTypeName[] = ['F32', 'F16', 'Q8_0', 'Q4_0'];

/** A llama GGUF image with edited metadata or tensors (the writer itself does not validate). */
function image(edit: { metadata?: (m: GgufMetadata) => void; tensors?: (t: GgufTensorInput[]) => GgufTensorInput[] } = {}): Buffer {
  const metadata = llamaMetadata(config, tokenizer, 'Q8_0');
  edit.metadata?.(metadata);
  let tensors: GgufTensorInput[] = tensorSpecs(config).map(({ name, shape }) => {
    const type = storageType(shape, 'Q8_0');
    return { name, shape, type, data: encodeTensor(model.weights.get(name)?.data ?? new Float32Array(), type) };
  });
  tensors = edit.tensors?.(tensors) ?? tensors;
  return writeGguf(metadata, tensors);
}

function validate(buffer: Buffer): void {
  validateLlamaGguf(parseGguf(buffer));
}

/** Byte offset of the u32 type field of tensor `name` in `buffer`. */
function tensorTypeOffset(buffer: Buffer, name: string): number {
  const info = parseGguf(buffer).tensors.find((t) => t.name === name);
  assert.ok(info);
  const at = buffer.lastIndexOf(Buffer.from(name), parseGguf(buffer).dataOffset);
  return at + name.length + 4 + 8 * info.shape.length;
}

describe('slm gguf: writer and reader', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'auton-gguf-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lays out the header, metadata, tensor infos and 32-aligned data of GGUF v3', () => {
    const buffer = encodeLlamaGguf(model, 'Q8_0');
    assert.equal(buffer.toString('latin1', 0, 4), 'GGUF');
    assert.equal(buffer.readUInt32LE(4), 3);
    assert.equal(Number(buffer.readBigUInt64LE(8)), tensorSpecs(config).length);
    const file = parseGguf(buffer);
    assert.equal(Number(buffer.readBigUInt64LE(16)), file.metadata.size);
    assert.equal(file.dataOffset % 32, 0);
    for (const t of file.tensors) assert.equal(t.offset % 32, 0, t.name);
    assert.equal(file.metadata.get('general.architecture')?.value, 'llama');
  });

  for (const type of TYPES) {
    it(`round-trips a model stored as ${type}: config, tokenizer, shapes, norms in F32, values as dequantized`, () => {
      const path = join(dir, `m-${type}.gguf`);
      writeFileSync(path, encodeLlamaGguf(model, type));
      const loaded = loadLlamaGguf(path);
      assert.deepEqual(loaded.config, { ...config, normEps: Math.fround(config.normEps) });
      assert.deepEqual(loaded.tokenizer, tokenizer);
      for (const { name, shape } of tensorSpecs(config)) {
        const expected = storageType(shape, type);
        assert.equal(loaded.types.get(name), expected, name);
        const original = model.weights.get(name)?.data ?? new Float32Array();
        assert.deepEqual(loaded.weights.get(name)?.shape, shape);
        assert.deepEqual(loaded.weights.get(name)?.data, decodeTensor(encodeTensor(original, expected), expected, original.length), name);
      }
    });
  }

  it('is parsed identically by @huggingface/gguf 0.4.6 (an independent reader)', async () => {
    const { gguf } = await import('@huggingface/gguf');
    for (const type of TYPES) {
      const path = join(dir, `hf-${type}.gguf`);
      writeFileSync(path, encodeLlamaGguf(model, type));
      const ours = readGgufFile(path);
      const theirs = await gguf(path, { allowLocalFile: true });
      assert.equal(theirs.metadata.version, 3);
      assert.equal(Number(theirs.tensorDataOffset), ours.dataOffset);
      for (const [key, value] of ours.metadata) {
        const their = (theirs.metadata as Record<string, unknown>)[key];
        if (value.type === 'f32') assert.equal(their, value.value, key);
        else if (value.type === 'array') assert.deepEqual(their, value.value, key);
        else assert.equal(their, value.value, key);
      }
      assert.equal(theirs.tensorInfos.length, ours.tensors.length);
      theirs.tensorInfos.forEach((info, i) => {
        const mine = ours.tensors[i];
        assert.ok(mine);
        assert.equal(info.name, mine.name);
        assert.deepEqual(info.shape.map(Number), [...mine.shape].reverse());
        assert.equal(info.dtype, { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8 }[mine.type]);
        assert.equal(Number(info.offset) + ours.dataOffset, mine.offset);
      });
    }
  });

  it('writes the file size the layout predicts (Q4_0 < Q8_0 < F16 < F32)', () => {
    const sizes = TYPES.map((t) => encodeLlamaGguf(model, t).length);
    assert.ok(sizes[0]! > sizes[1]! && sizes[1]! > sizes[2]! && sizes[2]! > sizes[3]!, sizes.join(' '));
  });
});

describe('slm gguf: corrupted files are one clear error, never a crash', () => {
  const good = image();
  const expectError = (buffer: Buffer, pattern: RegExp): void => {
    assert.throws(() => validate(buffer), (e: unknown) => e instanceof GgufError && pattern.test(e.message) && !e.message.includes('\n'));
  };

  it('accepts the unedited file', () => validate(good));

  it('refuses a bad magic', () => {
    const b = Buffer.from(good);
    b.write('GGML', 0, 'latin1');
    expectError(b, /^not a GGUF file: it starts with "GGML"/);
    expectError(Buffer.alloc(2), /not a GGUF file/);
  });

  it('refuses another GGUF version', () => {
    const b = Buffer.from(good);
    b.writeUInt32LE(2, 4);
    expectError(b, /GGUF version 2 is not supported/);
  });

  it('refuses a file cut anywhere: in the header, the metadata, the tensor infos or the data', () => {
    const file = parseGguf(good);
    const dataEnd = Math.max(...file.tensors.map((t) => t.offset + t.bytes));
    const cuts = [3, 6, 12, 20, 30, 100, 1000, 3000, file.dataOffset - 10, file.dataOffset + 5, dataEnd - 1];
    for (let i = 1; i < 40; i++) cuts.push(Math.floor((dataEnd * i) / 40));
    for (const cut of cuts) expectError(good.subarray(0, cut), /truncated|corrupted|not a GGUF/);
    expectError(good.subarray(0, good.length - 40), /^file is truncated: tensor output\.weight \(\d+ bytes at byte \d+\) ends past the end of the file/);
  });

  it('refuses an unknown tensor type', () => {
    const b = Buffer.from(good);
    b.writeUInt32LE(99, tensorTypeOffset(b, 'blk.0.attn_q.weight'));
    expectError(b, /tensor blk\.0\.attn_q\.weight has ggml type 99, which AUTON does not read/);
  });

  it('refuses absurd counts, lengths and sizes without allocating them', () => {
    const count = Buffer.from(good);
    count.writeBigUInt64LE(1n << 40n, 8);
    expectError(count, /tensor count at byte 8 is 1099511627776, more than the \d+ bytes left/);
    const kv = Buffer.from(good);
    kv.writeBigUInt64LE(1n << 62n, 16);
    expectError(kv, /absurd value|more than/);
    const key = Buffer.from(good);
    key.writeBigUInt64LE(1n << 50n, 24);
    expectError(key, /length of metadata key #0 .* more than the \d+ bytes left/);
    const dim = Buffer.from(good);
    dim.writeBigUInt64LE(1n << 45n, tensorTypeOffset(dim, 'blk.0.attn_q.weight') - 16);
    expectError(dim, /tensor blk\.0\.attn_q\.weight has dimension 0 of size 35184372088832, an absurd size/);
    const dims = Buffer.from(good);
    dims.writeUInt32LE(7, tensorTypeOffset(dims, 'blk.0.attn_q.weight') - 20);
    expectError(dims, /tensor blk\.0\.attn_q\.weight has 7 dimensions; GGUF allows 1 to 4/);
  });

  it('survives random byte damage: every outcome is a valid model or a GgufError', () => {
    const rng = new Rng(11);
    const infoEnd = parseGguf(good).dataOffset;
    for (let trial = 0; trial < 300; trial++) {
      const b = Buffer.from(good);
      for (let k = 0; k < 1 + rng.int(4); k++) b[rng.int(infoEnd)] = rng.int(256);
      try {
        validate(b);
      } catch (error) {
        assert.ok(error instanceof GgufError, `trial ${trial}: ${String(error)}`);
      }
    }
  });

  const missingKeys = ['llama.feed_forward_length', 'llama.attention.head_count', 'llama.context_length', 'llama.embedding_length',
    'llama.block_count', 'llama.attention.layer_norm_rms_epsilon', 'tokenizer.ggml.model', 'tokenizer.ggml.tokens', 'general.architecture'];
  for (const key of missingKeys) {
    it(`refuses a file without ${key} (llama.cpp would abort or fail on it)`, () => {
      expectError(image({ metadata: (m) => m.delete(key) }), new RegExp(`missing key ${key.replace(/\./g, '\\.')}`));
    });
  }

  it('refuses keys of the wrong type, inconsistent heads and another architecture', () => {
    expectError(image({ metadata: (m) => m.set('llama.attention.head_count', { type: 'i32', value: 4 }) }), /key llama\.attention\.head_count is i32, llama\.cpp needs u32/);
    expectError(image({ metadata: (m) => m.set('llama.attention.head_count_kv', { type: 'u32', value: 3 }) }), /nHeads 4 is not a multiple of nKvHeads 3/);
    expectError(image({ metadata: (m) => m.set('llama.rope.dimension_count', { type: 'u32', value: 8 }) }), /rope\.dimension_count is 8 but the head size is 16/);
    expectError(image({ metadata: (m) => m.set('general.architecture', { type: 'string', value: 'gpt2' }) }), /general\.architecture is "gpt2"/);
  });

  it('refuses tensors whose shape does not match the config, missing or extra tensors, and quantized norms', () => {
    expectError(image({ metadata: (m) => m.set('llama.feed_forward_length', { type: 'u32', value: 128 }) }),
      /tensor blk\.0\.ffn_gate\.weight is \[96, 64\] but the config needs \[128, 64\]/);
    expectError(image({ tensors: (t) => t.filter((x) => x.name !== 'blk.1.ffn_up.weight') }), /missing tensor blk\.1\.ffn_up\.weight/);
    expectError(image({ tensors: (t) => [...t, { name: 'extra.weight', shape: [4], type: 'F32', data: new Uint8Array(16) }] }), /unexpected tensor extra\.weight/);
    expectError(image({ tensors: (t) => t.map((x) => (x.name === 'output_norm.weight' ? { ...x, type: 'F16', data: new Uint8Array(128) } : x)) }),
      /tensor output_norm\.weight is F16; norm weights must be F32/);
  });

  it('refuses a vocabulary llama.cpp cannot load: missing byte tokens, ragged arrays, ids out of range', () => {
    const noBytes = tinyTokenizer();
    noBytes.tokens[3 + 10] = 'newline?';
    expectError(image({ metadata: (m) => m.set('tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: noBytes.tokens }) }),
      /byte tokens missing from the vocabulary: <0x0A>/);
    expectError(image({ metadata: (m) => m.set('tokenizer.ggml.scores', { type: 'array', itemType: 'f32', value: [0, 1] }) }), /scores has 2 entries for \d+ tokens/);
    expectError(image({ metadata: (m) => m.set('tokenizer.ggml.eos_token_id', { type: 'u32', value: 100000 }) }), /eos_token_id is 100000, outside/);
  });

  it('names the file in errors from disk, and refuses a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auton-gguf-'));
    try {
      const path = join(dir, 'cut.gguf');
      writeFileSync(path, good.subarray(0, 1000));
      assert.throws(() => loadLlamaGguf(path), (e: unknown) => e instanceof GgufError && e.message.startsWith(`${path}: `) && e.message.includes('truncated'));
      assert.throws(() => loadLlamaGguf(join(dir, 'nope.gguf')), /nope\.gguf: no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
