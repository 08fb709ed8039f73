/**
 * Checks that a parsed GGUF is a llama model llama.cpp can load without aborting: every key its
 * `llama` architecture and `llama` tokenizer read, with the right types and consistent values,
 * and every tensor with the shape the config implies. llama.cpp GGML_ASSERTs (kills the process)
 * on some of these, so nothing reaches node-llama-cpp without passing here first.
 */
import type { GgmlTypeName } from '../quant/tensorTypes';
import type { ModelConfig, TokenizerData } from '../types';
import { GgufError, type GgufMetadata, type GgufValue, type NumberTypeName } from './format';
import { configProblems } from '../model/config';
import { tensorSpecs } from '../model/weights';
import type { GgufFile } from './reader';

export interface LlamaGgufInfo {
  config: ModelConfig;
  tokenizer: TokenizerData;
  /** Storage type of each tensor. */
  types: Map<string, GgmlTypeName>;
}

/** Reads typed keys, collecting every problem instead of stopping at the first. */
class KeyReader {
  readonly problems: string[] = [];
  constructor(private readonly metadata: GgufMetadata) {}

  private get(key: string, required: boolean): GgufValue | undefined {
    const v = this.metadata.get(key);
    if (v === undefined && required) this.problems.push(`missing key ${key}`);
    return v;
  }

  private wrongType(key: string, v: GgufValue, want: string): void {
    const got = v.type === 'array' ? `array of ${v.itemType}` : v.type;
    this.problems.push(`key ${key} is ${got}, llama.cpp needs ${want}`);
  }

  number(key: string, type: NumberTypeName, required = true): number | undefined {
    const v = this.get(key, required);
    if (v === undefined) return undefined;
    if (v.type !== type) {
      this.wrongType(key, v, type);
      return undefined;
    }
    return v.value;
  }

  string(key: string): string | undefined {
    const v = this.get(key, true);
    if (v === undefined) return undefined;
    if (v.type !== 'string') {
      this.wrongType(key, v, 'string');
      return undefined;
    }
    return v.value;
  }

  bool(key: string): boolean | undefined {
    const v = this.get(key, false);
    if (v === undefined) return undefined;
    if (v.type !== 'bool') {
      this.wrongType(key, v, 'bool');
      return undefined;
    }
    return v.value;
  }

  strings(key: string): string[] | undefined {
    const v = this.get(key, true);
    if (v === undefined) return undefined;
    if (v.type !== 'array' || v.itemType !== 'string') {
      this.wrongType(key, v, 'array of string');
      return undefined;
    }
    return v.value;
  }

  numbers(key: string, itemType: NumberTypeName): number[] | undefined {
    const v = this.get(key, true);
    if (v === undefined) return undefined;
    if (v.type !== 'array' || v.itemType !== itemType) {
      this.wrongType(key, v, `array of ${itemType}`);
      return undefined;
    }
    return v.value;
  }
}

function checkTokenizer(k: KeyReader, n: number | undefined): TokenizerData | undefined {
  const model = k.string('tokenizer.ggml.model');
  if (model !== undefined && model !== 'llama') k.problems.push(`tokenizer.ggml.model is "${model}"; AUTON writes and checks "llama" (SPM) vocabularies`);
  const tokens = k.strings('tokenizer.ggml.tokens');
  const scores = k.numbers('tokenizer.ggml.scores', 'f32');
  const types = k.numbers('tokenizer.ggml.token_type', 'i32');
  const bos = k.number('tokenizer.ggml.bos_token_id', 'u32');
  const eos = k.number('tokenizer.ggml.eos_token_id', 'u32');
  const unk = k.number('tokenizer.ggml.unknown_token_id', 'u32');
  const pad = k.number('tokenizer.ggml.padding_token_id', 'u32', false);
  const addSpacePrefix = k.bool('tokenizer.ggml.add_space_prefix');
  if (tokens === undefined || scores === undefined || types === undefined) return undefined;
  if (tokens.length === 0) k.problems.push('tokenizer.ggml.tokens is empty');
  if (scores.length !== tokens.length) k.problems.push(`tokenizer.ggml.scores has ${scores.length} entries for ${tokens.length} tokens`);
  if (types.length !== tokens.length) k.problems.push(`tokenizer.ggml.token_type has ${types.length} entries for ${tokens.length} tokens`);
  if (n !== undefined && n !== tokens.length) k.problems.push(`llama.vocab_size is ${n} but there are ${tokens.length} tokens`);
  const seen = new Set<string>();
  for (const t of tokens) {
    if (seen.has(t)) {
      k.problems.push(`token ${JSON.stringify(t)} appears twice in tokenizer.ggml.tokens`);
      break;
    }
    seen.add(t);
  }
  // llama.cpp looks up "<0x0A>" at load time and every <0xXX> for byte fallback.
  const missing: string[] = [];
  for (let b = 0; b < 256; b++) {
    const name = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
    if (!seen.has(name)) missing.push(name);
  }
  if (missing.length > 0) k.problems.push(`byte tokens missing from the vocabulary: ${missing.slice(0, 4).join(' ')}${missing.length > 4 ? ` and ${missing.length - 4} more` : ''}`);
  for (const [key, id] of [['bos', bos], ['eos', eos], ['unknown', unk], ['padding', pad]] as const) {
    if (id !== undefined && id >= tokens.length) k.problems.push(`tokenizer.ggml.${key}_token_id is ${id}, outside the ${tokens.length}-token vocabulary`);
  }
  if (bos === undefined || eos === undefined || unk === undefined) return undefined;
  return { tokens, scores, types, bos, eos, unk, pad: pad ?? -1, addSpacePrefix: addSpacePrefix ?? true };
}

function positive(k: KeyReader, key: string): number | undefined {
  const v = k.number(key, 'u32');
  if (v === 0) k.problems.push(`${key} is 0`);
  return v;
}

/** The model config, tokenizer and tensor types of a valid llama GGUF; a GgufError otherwise. */
export function validateLlamaGguf(file: GgufFile): LlamaGgufInfo {
  const k = new KeyReader(file.metadata);
  const arch = k.string('general.architecture');
  if (arch !== undefined && arch !== 'llama') throw new GgufError(`general.architecture is "${arch}"; AUTON's runtimes take "llama" models`);
  const contextLength = positive(k, 'llama.context_length');
  const dim = positive(k, 'llama.embedding_length');
  const nLayers = positive(k, 'llama.block_count');
  const hiddenDim = positive(k, 'llama.feed_forward_length');
  const nHeads = positive(k, 'llama.attention.head_count');
  const nKvHeads = positive(k, 'llama.attention.head_count_kv');
  const normEps = k.number('llama.attention.layer_norm_rms_epsilon', 'f32');
  const ropeDims = k.number('llama.rope.dimension_count', 'u32', false);
  const ropeTheta = k.number('llama.rope.freq_base', 'f32', false) ?? 10000;
  const vocabKey = k.number('llama.vocab_size', 'u32', false);
  const tokenizer = checkTokenizer(k, vocabKey);
  const nameValue = file.metadata.get('general.name');

  if (dim !== undefined && nHeads !== undefined && ropeDims !== undefined && nHeads > 0 && dim % nHeads === 0 && ropeDims !== dim / nHeads) {
    k.problems.push(`llama.rope.dimension_count is ${ropeDims} but the head size is ${dim / nHeads}`);
  }
  if (normEps !== undefined && !(normEps > 0 && normEps < 1)) k.problems.push(`layer_norm_rms_epsilon ${normEps} is not a small positive number`);
  if (!(ropeTheta > 0)) k.problems.push(`llama.rope.freq_base ${ropeTheta} is not positive`);

  if (k.problems.length > 0 || tokenizer === undefined || contextLength === undefined || dim === undefined || nLayers === undefined
    || hiddenDim === undefined || nHeads === undefined || nKvHeads === undefined || normEps === undefined) {
    throw problemsError(k.problems);
  }
  const config: ModelConfig = {
    name: nameValue?.type === 'string' ? nameValue.value : 'unnamed',
    vocabSize: tokenizer.tokens.length, dim, nLayers, nHeads, nKvHeads, hiddenDim, contextLength, normEps, ropeTheta,
  };
  const shapeProblems = configProblems(config);
  if (shapeProblems.length > 0) throw problemsError(shapeProblems);

  const types = new Map<string, GgmlTypeName>();
  const present = new Map(file.tensors.map((t) => [t.name, t]));
  const expected = new Map(tensorSpecs(config).map((t) => [t.name, t.shape]));
  for (const [name, shape] of expected) {
    const t = present.get(name);
    if (t === undefined) {
      // llama.cpp ties output.weight to token_embd.weight when it is absent.
      if (name !== 'output.weight') k.problems.push(`missing tensor ${name}`);
      continue;
    }
    if (t.shape.join('x') !== shape.join('x')) k.problems.push(`tensor ${name} is [${t.shape.join(', ')}] but the config needs [${shape.join(', ')}]`);
    if (shape.length === 1 && t.type !== 'F32') k.problems.push(`tensor ${name} is ${t.type}; norm weights must be F32`);
    types.set(name, t.type);
  }
  for (const t of file.tensors) if (!expected.has(t.name)) k.problems.push(`unexpected tensor ${t.name} (llama.cpp refuses extra tensors)`);
  if (k.problems.length > 0) throw problemsError(k.problems);
  return { config, tokenizer, types };
}

function problemsError(problems: string[]): GgufError {
  const shown = problems.slice(0, 3).join('; ');
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more problems)` : '';
  return new GgufError(`not a llama model llama.cpp can load: ${shown}${more}`);
}
