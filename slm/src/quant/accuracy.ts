/**
 * The accuracy change quantization causes: the same evaluation run on the F32 weights and on the
 * weights read back from each quantized type, computed as llama.cpp computes with them (each
 * matrix's input rounded for its storage type), plus the per-tensor error that explains it.
 */
import { setInputRounding } from '../model/forward';
import type { Weights } from '../types';
import { activationRounding } from './activations';
import { roundTripWeights, storageType } from './quantize';
import type { GgmlTypeName } from './tensorTypes';

export interface TensorError {
  name: string;
  type: GgmlTypeName;
  /** Root mean square of (quantized - original). */
  rmse: number;
  maxAbs: number;
}

export interface QuantizationReport {
  type: GgmlTypeName;
  /** What `evaluate` returned on the F32 weights (e.g. intent accuracy, or perplexity). */
  f32: number;
  quantized: number;
  /** quantized - f32, in the metric's own unit. */
  delta: number;
  tensors: TensorError[];
}

/** Any metric of a model given its weights; higher or lower is better as the caller knows. */
export type Evaluate = (weights: Weights) => number | Promise<number>;

export function tensorErrors(original: Weights, quantized: Weights, type: GgmlTypeName): TensorError[] {
  const errors: TensorError[] = [];
  for (const [name, tensor] of original) {
    const q = quantized.get(name);
    if (q === undefined) throw new Error(`quantized weights lack ${name}`);
    let sum = 0;
    let maxAbs = 0;
    for (let i = 0; i < tensor.data.length; i++) {
      const e = (q.data[i] ?? 0) - (tensor.data[i] ?? 0);
      sum += e * e;
      maxAbs = Math.max(maxAbs, Math.abs(e));
    }
    errors.push({ name, type: storageType(tensor.shape, type), rmse: Math.sqrt(sum / Math.max(1, tensor.data.length)), maxAbs });
  }
  return errors;
}

/** Runs `evaluate` on F32 and on each type in `types`; one report per type. */
export async function measureQuantization(weights: Weights, types: readonly GgmlTypeName[], evaluate: Evaluate): Promise<QuantizationReport[]> {
  const f32 = await evaluate(weights);
  const reports: QuantizationReport[] = [];
  for (const type of types) {
    const quantized = roundTripWeights(weights, type);
    for (const [name, tensor] of quantized) {
      const round = activationRounding(storageType(tensor.shape, type));
      if (round !== undefined && tensor.data !== weights.get(name)?.data) setInputRounding(tensor.data, round);
    }
    const value = await evaluate(quantized);
    reports.push({ type, f32, quantized: value, delta: value - f32, tensors: tensorErrors(weights, quantized, type) });
  }
  return reports;
}
