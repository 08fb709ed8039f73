/**
 * Which ggml type each weight of a model is stored in, and the weights as a runtime sees them
 * after a round trip through that storage.
 */
import type { Weights } from '../types';
import { blockSize, decodeTensor, encodeTensor, type GgmlTypeName } from './tensorTypes';

/**
 * The type a tensor is stored in when the model is written as `target`: vectors (the RMSNorm
 * weights) stay F32 as llama.cpp's converters keep them, and a matrix whose rows are not whole
 * blocks (a row length not a multiple of 32) stays F32 as well.
 */
export function storageType(shape: readonly number[], target: GgmlTypeName): GgmlTypeName {
  if (shape.length < 2) return 'F32';
  const row = shape[shape.length - 1] ?? 0;
  return row % blockSize(target) === 0 ? target : 'F32';
}

/** The weights as llama.cpp sees them once they are stored as `target` and read back. */
export function roundTripWeights(weights: Weights, target: GgmlTypeName): Weights {
  const out: Weights = new Map();
  for (const [name, tensor] of weights) {
    const type = storageType(tensor.shape, target);
    const data = type === 'F32' ? tensor.data : decodeTensor(encodeTensor(tensor.data, type), type, tensor.data.length);
    out.set(name, { shape: [...tensor.shape], data });
  }
  return out;
}
