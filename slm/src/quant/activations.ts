/**
 * How llama.cpp's CPU backend rounds the activations it multiplies by a weight of each storage
 * type (the type's vec_dot_type): Q8_0 and Q4_0 weights meet Q8_0-quantized activations, F16
 * weights fp16-rounded ones, F32 weights exact float32. AUTON's forward pass applies the same
 * rounding to weights read from a GGUF, which is what makes greedy decoding agree token for token.
 */
import { f16ToF32, f32ToF16 } from './f16';
import { roundActivationsQ8_0 } from './q8_0';
import type { GgmlTypeName } from './tensorTypes';

export type ActivationRounding = (out: Float32Array, x: Float32Array) => void;

function roundActivationsF16(out: Float32Array, x: Float32Array): void {
  for (let i = 0; i < x.length; i++) out[i] = f16ToF32(f32ToF16(x[i] ?? 0));
}

export function activationRounding(type: GgmlTypeName): ActivationRounding | undefined {
  switch (type) {
    case 'F32':
      return undefined;
    case 'F16':
      return roundActivationsF16;
    case 'Q4_0':
    case 'Q8_0':
      return roundActivationsQ8_0;
  }
}
