/**
 * The one matrix kernel training needs: C[M, N] (+)= A[M, K] . B[N, K]^T, both operands walked
 * along contiguous rows. The backward pass brings its products to this form by transposing
 * (transpose below). Float32 products of some size go to the WebAssembly SIMD kernel
 * (wasmMatmul.ts); float64 (gradient checks), small ones, or `useWasm(false)` take the scalar
 * kernel here, blocked 2 rows of A by 4 rows of B so each loaded value is used several times
 * (about 4 GFLOP/s on one core in V8, 3.5x the naive loop).
 */
import { wasmMatmulABt } from './wasmMatmul';
import type { Floats } from './weights';

let wasmOn = true;

/** Chooses the kernel for this thread (the bench compares them; training workers inherit the choice). */
export function useWasm(on: boolean): void {
  wasmOn = on;
}

export function wasmInUse(): boolean {
  return wasmOn;
}

const WASM_MIN_WORK = 4096; // multiply-adds below which copying into wasm memory costs more than it saves

export function matmulABt(C: Floats, A: Floats, B: Floats, M: number, N: number, K: number, accumulate = false): void {
  if (wasmOn && C instanceof Float32Array && A instanceof Float32Array && B instanceof Float32Array && M * N * K >= WASM_MIN_WORK && wasmMatmulABt(C, A, B, M, N, K, accumulate)) return;
  scalarMatmulABt(C, A, B, M, N, K, accumulate);
}

export function scalarMatmulABt(C: Floats, A: Floats, B: Floats, M: number, N: number, K: number, accumulate = false): void {
  let i = 0;
  for (; i + 2 <= M; i += 2) {
    const a0 = i * K;
    const a1 = a0 + K;
    const c0 = i * N;
    const c1 = c0 + N;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const b0 = j * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k]!;
        const x1 = A[a1 + k]!;
        const w0 = B[b0 + k]!;
        const w1 = B[b1 + k]!;
        const w2 = B[b2 + k]!;
        const w3 = B[b3 + k]!;
        s00 += x0 * w0; s01 += x0 * w1; s02 += x0 * w2; s03 += x0 * w3;
        s10 += x1 * w0; s11 += x1 * w1; s12 += x1 * w2; s13 += x1 * w3;
      }
      if (accumulate) {
        s00 += C[c0 + j]!; s01 += C[c0 + j + 1]!; s02 += C[c0 + j + 2]!; s03 += C[c0 + j + 3]!;
        s10 += C[c1 + j]!; s11 += C[c1 + j + 1]!; s12 += C[c1 + j + 2]!; s13 += C[c1 + j + 3]!;
      }
      C[c0 + j] = s00; C[c0 + j + 1] = s01; C[c0 + j + 2] = s02; C[c0 + j + 3] = s03;
      C[c1 + j] = s10; C[c1 + j + 1] = s11; C[c1 + j + 2] = s12; C[c1 + j + 3] = s13;
    }
    for (; j < N; j++) {
      const b = j * K;
      let s0 = 0, s1 = 0;
      for (let k = 0; k < K; k++) {
        s0 += A[a0 + k]! * B[b + k]!;
        s1 += A[a1 + k]! * B[b + k]!;
      }
      C[c0 + j] = accumulate ? C[c0 + j]! + s0 : s0;
      C[c1 + j] = accumulate ? C[c1 + j]! + s1 : s1;
    }
  }
  for (; i < M; i++) {
    const a = i * K;
    for (let j = 0; j < N; j++) {
      const b = j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[a + k]! * B[b + k]!;
      C[i * N + j] = accumulate ? C[i * N + j]! + s : s;
    }
  }
}

/** out[cols, rows] = in[rows, cols]^T */
export function transpose(out: Floats, input: Floats, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = input[base + c]!;
  }
}
