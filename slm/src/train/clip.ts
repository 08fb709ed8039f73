/** Global gradient-norm clipping: scales `grad` so its L2 norm is at most maxNorm; returns the norm before. */
export function clipGradNorm(grad: Float32Array, maxNorm: number): number {
  let ss = 0;
  for (let i = 0; i < grad.length; i++) ss += grad[i]! * grad[i]!;
  const norm = Math.sqrt(ss);
  if (maxNorm > 0 && norm > maxNorm) {
    const k = maxNorm / norm;
    for (let i = 0; i < grad.length; i++) grad[i] = grad[i]! * k;
  }
  return norm;
}
