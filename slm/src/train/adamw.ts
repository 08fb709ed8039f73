/**
 * AdamW (Loshchilov & Hutter): Adam's moments with bias correction, and weight decay applied
 * to the weights directly rather than through the gradient. Norm gains are not decayed.
 */
export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export interface AdamWState {
  m: Float32Array;
  v: Float32Array;
}

export function createAdamW(size: number): AdamWState {
  return { m: new Float32Array(size), v: new Float32Array(size) };
}

/**
 * One update of params[from, to) at optimizer step `t` (1-based). `decay` says whether this
 * range is weight-decayed.
 */
export function adamwUpdate(c: AdamWConfig, s: AdamWState, params: Float32Array, grad: Float32Array, t: number, lr: number, from: number, to: number, decay: boolean): void {
  const { beta1, beta2, eps } = c;
  const correct1 = 1 - Math.pow(beta1, t);
  const correct2 = 1 - Math.pow(beta2, t);
  const shrink = decay ? 1 - lr * c.weightDecay : 1;
  const { m, v } = s;
  for (let i = from; i < to; i++) {
    const g = grad[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * g;
    const vi = beta2 * v[i]! + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    params[i] = params[i]! * shrink - (lr * (mi / correct1)) / (Math.sqrt(vi / correct2) + eps);
  }
}
