/**
 * The metadata keys of a llama GGUF: what llama.cpp's `llama` architecture and `llama` (SPM)
 * tokenizer read. Tensor names, shapes and order come from model/weights.ts (tensorSpecs).
 */
import type { GgmlTypeName } from '../quant/tensorTypes';
import type { ModelConfig, TokenizerData } from '../types';
import type { GgufMetadata, GgufValue } from './format';

/** general.file_type (llama_ftype) of a model stored mostly as each type. */
export const LLAMA_FILE_TYPE: Record<GgmlTypeName, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 7 };

const u32 = (value: number): GgufValue => ({ type: 'u32', value });
const f32 = (value: number): GgufValue => ({ type: 'f32', value });

/** The tokenizer.ggml.* keys of a llama (SPM) vocabulary. */
export function tokenizerMetadata(t: TokenizerData): [string, GgufValue][] {
  const entries: [string, GgufValue][] = [
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: t.tokens }],
    ['tokenizer.ggml.scores', { type: 'array', itemType: 'f32', value: t.scores }],
    ['tokenizer.ggml.token_type', { type: 'array', itemType: 'i32', value: t.types }],
    ['tokenizer.ggml.bos_token_id', u32(t.bos)],
    ['tokenizer.ggml.eos_token_id', u32(t.eos)],
    ['tokenizer.ggml.unknown_token_id', u32(t.unk)],
  ];
  if (t.pad >= 0) entries.push(['tokenizer.ggml.padding_token_id', u32(t.pad)]);
  entries.push(
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
    ['tokenizer.ggml.add_space_prefix', { type: 'bool', value: t.addSpacePrefix }],
  );
  return entries;
}

/** All metadata of a llama GGUF whose matrices are mostly `type`. */
export function llamaMetadata(c: ModelConfig, tokenizer: TokenizerData, type: GgmlTypeName): GgufMetadata {
  const entries: [string, GgufValue][] = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: c.name }],
    ['general.file_type', u32(LLAMA_FILE_TYPE[type])],
    ['general.quantization_version', u32(2)],
    ['general.alignment', u32(32)],
    ['llama.vocab_size', u32(c.vocabSize)],
    ['llama.context_length', u32(c.contextLength)],
    ['llama.embedding_length', u32(c.dim)],
    ['llama.block_count', u32(c.nLayers)],
    ['llama.feed_forward_length', u32(c.hiddenDim)],
    ['llama.attention.head_count', u32(c.nHeads)],
    ['llama.attention.head_count_kv', u32(c.nKvHeads)],
    ['llama.attention.layer_norm_rms_epsilon', f32(c.normEps)],
    ['llama.rope.dimension_count', u32(c.dim / c.nHeads)],
    ['llama.rope.freq_base', f32(c.ropeTheta)],
    ...tokenizerMetadata(tokenizer),
  ];
  return new Map(entries);
}
