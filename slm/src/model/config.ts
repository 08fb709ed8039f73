/**
 * Model shapes: named presets from tiny (about 1M parameters) upward, validation, and the
 * parameter and FLOP counts the Model Architect and the model card quote.
 */
import type { ModelConfig } from '../types';

/** Presets leave vocabSize to the tokenizer; the number here only feeds estimates. */
export const PRESETS = {
  // For gradient checks and tests: a few thousand parameters, not quantizable (dim < 32).
  micro: { name: 'micro', vocabSize: 64, dim: 16, nLayers: 2, nHeads: 4, nKvHeads: 2, hiddenDim: 32, contextLength: 32, normEps: 1e-5, ropeTheta: 10000 },
  tiny: { name: 'tiny', vocabSize: 2048, dim: 128, nLayers: 4, nHeads: 4, nKvHeads: 2, hiddenDim: 352, contextLength: 256, normEps: 1e-5, ropeTheta: 10000 },
  small: { name: 'small', vocabSize: 4096, dim: 256, nLayers: 6, nHeads: 8, nKvHeads: 4, hiddenDim: 704, contextLength: 512, normEps: 1e-5, ropeTheta: 10000 },
  base: { name: 'base', vocabSize: 8192, dim: 384, nLayers: 8, nHeads: 6, nKvHeads: 2, hiddenDim: 1024, contextLength: 1024, normEps: 1e-5, ropeTheta: 10000 },
  medium: { name: 'medium', vocabSize: 16384, dim: 512, nLayers: 12, nHeads: 8, nKvHeads: 4, hiddenDim: 1376, contextLength: 2048, normEps: 1e-5, ropeTheta: 10000 },
} as const satisfies Record<string, ModelConfig>;

export type PresetName = keyof typeof PRESETS;

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

export const headDim = (c: ModelConfig): number => c.dim / c.nHeads;
export const kvDim = (c: ModelConfig): number => headDim(c) * c.nKvHeads;

/** Every reason the shape cannot run; empty when it is sound. */
export function configProblems(c: ModelConfig): string[] {
  const problems: string[] = [];
  const positive = ['vocabSize', 'dim', 'nLayers', 'nHeads', 'nKvHeads', 'hiddenDim', 'contextLength'] as const;
  for (const key of positive) {
    if (!Number.isInteger(c[key]) || c[key] <= 0) problems.push(`${key} must be a positive whole number, got ${String(c[key])}`);
  }
  if (problems.length) return problems;
  if (c.dim % c.nHeads !== 0) problems.push(`dim ${c.dim} is not a multiple of nHeads ${c.nHeads}`);
  else if (headDim(c) % 2 !== 0) problems.push(`head size ${headDim(c)} (dim / nHeads) must be even for RoPE`);
  if (c.nHeads % c.nKvHeads !== 0) problems.push(`nHeads ${c.nHeads} is not a multiple of nKvHeads ${c.nKvHeads}`);
  if (!(c.normEps > 0)) problems.push(`normEps must be positive, got ${c.normEps}`);
  if (!(c.ropeTheta > 0)) problems.push(`ropeTheta must be positive, got ${c.ropeTheta}`);
  return problems;
}

export function checkConfig(c: ModelConfig): ModelConfig {
  const problems = configProblems(c);
  if (problems.length) throw new Error(`model config "${c.name}": ${problems.join('; ')}`);
  return c;
}

/** Why Q8_0/Q4_0 (32-wide blocks along each row) cannot store this shape, or undefined. */
export function quantizationProblem(c: ModelConfig): string | undefined {
  if (c.dim % 32 !== 0) return `dim ${c.dim} is not a multiple of 32 (the Q8_0/Q4_0 block size)`;
  if (c.hiddenDim % 32 !== 0) return `hiddenDim ${c.hiddenDim} is not a multiple of 32 (the Q8_0/Q4_0 block size)`;
  return undefined;
}

export interface ParamCounts {
  embedding: number;
  perLayer: number;
  layers: number;
  output: number;
  total: number;
}

export function countParams(c: ModelConfig): ParamCounts {
  const attention = c.dim * c.dim * 2 + kvDim(c) * c.dim * 2;
  const ffn = 3 * c.dim * c.hiddenDim;
  const perLayer = attention + ffn + 2 * c.dim;
  const embedding = c.vocabSize * c.dim;
  const output = c.vocabSize * c.dim + c.dim;
  const layers = perLayer * c.nLayers;
  return { embedding, perLayer, layers, output, total: embedding + layers + output };
}

/**
 * Multiply-adds count 2 FLOPs. `forwardPerToken` is one token at position `pos` (attention over
 * pos + 1 keys); `trainPerToken` is forward + backward (about 3x) at the mean position of a
 * sequence of `seqLen`, with the output layer on every token.
 */
export function estimateFlops(c: ModelConfig, seqLen = c.contextLength): { forwardPerToken: number; trainPerToken: number; forwardAt: (pos: number) => number } {
  const counts = countParams(c);
  const matmuls = counts.layers - 2 * c.dim * c.nLayers + c.vocabSize * c.dim;
  const forwardAt = (pos: number): number => 2 * matmuls + 4 * c.nLayers * c.dim * (pos + 1);
  const meanPos = (seqLen - 1) / 2;
  return { forwardPerToken: forwardAt(meanPos), trainPerToken: 3 * forwardAt(meanPos), forwardAt };
}

export function describeConfig(c: ModelConfig): string {
  const p = countParams(c);
  const f = estimateFlops(c);
  const m = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}K`);
  return `${c.name}: dim ${c.dim}, ${c.nLayers} layers, ${c.nHeads} heads (${c.nKvHeads} kv), hidden ${c.hiddenDim}, vocab ${c.vocabSize}, context ${c.contextLength}; ` +
    `${m(p.total)} parameters (${m(p.layers)} in layers, ${m(p.embedding + p.output)} embedding + output); ` +
    `${m(f.forwardPerToken)}FLOP/token forward, ${m(f.trainPerToken)}FLOP/token training`;
}
