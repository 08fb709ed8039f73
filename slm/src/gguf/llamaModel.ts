/**
 * A whole llama model <-> a GGUF file: config, tokenizer and weights in, a validated file image
 * out; and back, with every tensor dequantized to float32 for AUTON's TypeScript forward pass.
 */
import { storageType } from '../quant/quantize';
import { decodeTensor, encodeTensor, type GgmlTypeName } from '../quant/tensorTypes';
import type { ModelConfig, TokenizerData, Weights } from '../types';
import { GgufError } from './format';
import { llamaMetadata } from './llamaLayout';
import { tensorSpecs } from '../model/weights';
import { type GgufFile, parseGguf, readGgufFile, tensorBytesOf } from './reader';
import { validateLlamaGguf } from './validate';
import { type GgufTensorInput, writeGguf } from './writer';

export interface LlamaModel {
  config: ModelConfig;
  tokenizer: TokenizerData;
  weights: Weights;
}

export interface LoadedLlamaModel extends LlamaModel {
  /** Storage type of each tensor in the file. */
  types: Map<string, GgmlTypeName>;
  file: GgufFile;
}

/** The GGUF image of `model` with its matrices stored as `type` (norms stay F32). */
export function encodeLlamaGguf(model: LlamaModel, type: GgmlTypeName): Buffer {
  const { config, weights } = model;
  const tensors: GgufTensorInput[] = [];
  for (const { name, shape } of tensorSpecs(config)) {
    const tensor = weights.get(name);
    if (tensor === undefined) throw new Error(`the model has no tensor ${name}`);
    if (tensor.shape.join('x') !== shape.join('x')) throw new Error(`tensor ${name} is [${tensor.shape.join(', ')}], the config needs [${shape.join(', ')}]`);
    const stored = storageType(shape, type);
    tensors.push({ name, shape, type: stored, data: encodeTensor(tensor.data, stored) });
  }
  const image = writeGguf(llamaMetadata(config, model.tokenizer, type), tensors);
  // Never hand out a file AUTON's own validator would refuse.
  validateLlamaGguf(parseGguf(image));
  return image;
}

/** Reads, validates and dequantizes a llama GGUF; a one-line GgufError if it is unusable. */
export function loadLlamaGguf(path: string): LoadedLlamaModel {
  const file = readGgufFile(path);
  let info;
  try {
    info = validateLlamaGguf(file);
  } catch (error) {
    if (error instanceof GgufError) throw new GgufError(`${path}: ${error.message}`);
    throw error;
  }
  const weights: Weights = new Map();
  for (const t of file.tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    weights.set(t.name, { shape: t.shape, data: decodeTensor(tensorBytesOf(file, t), t.type, n) });
  }
  const embedding = weights.get('token_embd.weight');
  if (!weights.has('output.weight') && embedding !== undefined) weights.set('output.weight', embedding);
  return { config: info.config, tokenizer: info.tokenizer, weights, types: info.types, file };
}
