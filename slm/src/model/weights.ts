/**
 * The parameter tensors under their GGUF names, laid out back to back in one flat buffer (so
 * the optimizer walks one array and worker threads share it), and their initialization.
 */
import type { ModelConfig, Tensor, Weights } from '../types';
import { kvDim } from './config';
import { Rng } from './rng';

export type Floats = Float32Array | Float64Array;

export interface TensorSpec {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

export const layerName = (l: number, part: string): string => `blk.${l}.${part}.weight`;

/** Every tensor of the model in file order: the order of GGUF files and of the flat buffer. */
export function tensorSpecs(c: ModelConfig): TensorSpec[] {
  const shapes: [string, number[]][] = [['token_embd.weight', [c.vocabSize, c.dim]]];
  for (let l = 0; l < c.nLayers; l++) {
    shapes.push(
      [layerName(l, 'attn_norm'), [c.dim]],
      [layerName(l, 'attn_q'), [c.dim, c.dim]],
      [layerName(l, 'attn_k'), [kvDim(c), c.dim]],
      [layerName(l, 'attn_v'), [kvDim(c), c.dim]],
      [layerName(l, 'attn_output'), [c.dim, c.dim]],
      [layerName(l, 'ffn_norm'), [c.dim]],
      [layerName(l, 'ffn_gate'), [c.hiddenDim, c.dim]],
      [layerName(l, 'ffn_up'), [c.hiddenDim, c.dim]],
      [layerName(l, 'ffn_down'), [c.dim, c.hiddenDim]],
    );
  }
  shapes.push(['output_norm.weight', [c.dim]], ['output.weight', [c.vocabSize, c.dim]]);
  let offset = 0;
  return shapes.map(([name, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const spec = { name, shape, offset, size };
    offset += size;
    return spec;
  });
}

export function totalSize(specs: TensorSpec[]): number {
  const last = specs[specs.length - 1]!;
  return last.offset + last.size;
}

/** Views of `flat` under the tensor names (no copy). */
export function viewWeights(c: ModelConfig, flat: Float32Array): Weights {
  const specs = tensorSpecs(c);
  if (flat.length !== totalSize(specs)) throw new Error(`parameter buffer holds ${flat.length} floats, model "${c.name}" needs ${totalSize(specs)}`);
  return new Map(specs.map((s) => [s.name, { shape: s.shape, data: flat.subarray(s.offset, s.offset + s.size) }]));
}

/** Copies `weights` into one flat buffer in file order, checking every name and shape. */
export function flattenWeights(c: ModelConfig, weights: Weights, into?: Float32Array): Float32Array {
  const specs = tensorSpecs(c);
  const flat = into ?? new Float32Array(totalSize(specs));
  for (const s of specs) {
    const t = weights.get(s.name);
    if (!t) throw new Error(`weights lack tensor ${s.name}`);
    if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i])) {
      throw new Error(`tensor ${s.name} has shape [${t.shape.join(', ')}], model "${c.name}" expects [${s.shape.join(', ')}]`);
    }
    flat.set(t.data, s.offset);
  }
  return flat;
}

export const isNorm = (name: string): boolean => name.endsWith('_norm.weight');

/**
 * Norm gains start at 1, matrices at N(0, 0.02), and the two projections that write into the
 * residual stream (attn_output, ffn_down) scaled by 1/sqrt(2 nLayers) so the stream's variance
 * does not grow with depth (GPT-2's recipe).
 */
export function initWeights(c: ModelConfig, seed: number, flat: Floats = new Float32Array(totalSize(tensorSpecs(c)))): Floats {
  const rng = new Rng(seed);
  const residualScale = 1 / Math.sqrt(2 * c.nLayers);
  for (const s of tensorSpecs(c)) {
    const view = flat.subarray(s.offset, s.offset + s.size);
    if (isNorm(s.name)) {
      view.fill(1);
      continue;
    }
    const std = 0.02 * (s.name.endsWith('attn_output.weight') || s.name.endsWith('ffn_down.weight') ? residualScale : 1);
    for (let i = 0; i < view.length; i++) view[i] = rng.normal() * std;
  }
  return flat;
}

export function tensor(shape: number[], data?: Float32Array): Tensor {
  return { shape, data: data ?? new Float32Array(shape.reduce((a, b) => a * b, 1)) };
}
