/**
 * Row-batched operations of the training pass, each with its backward. Rows are token
 * positions of several sequences packed back to back; only attention and RoPE look at where
 * a sequence starts. Every backward takes the saved forward values and adds into gradients.
 */
import type { Floats } from './weights';

/** Where the packed sequences lie: sequence i covers rows starts[i] .. starts[i] + lengths[i] - 1. */
export interface Packing {
  starts: number[];
  lengths: number[];
}

/** y = x * inv * w per row of width d; stores inv[r] = 1 / sqrt(mean(x_r^2) + eps). */
export function rmsnormRows(y: Floats, inv: Floats, x: Floats, w: Floats, rows: number, d: number, eps: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let ss = 0;
    for (let i = 0; i < d; i++) ss += x[o + i]! * x[o + i]!;
    const s = 1 / Math.sqrt(ss / d + eps);
    inv[r] = s;
    for (let i = 0; i < d; i++) y[o + i] = x[o + i]! * s * w[i]!;
  }
}

/**
 * dx += r w dy - x r^3 / d * sum(dy w x); dw += dy x r, per row.
 */
export function rmsnormRowsBackward(dx: Floats, dw: Floats, dy: Floats, x: Floats, inv: Floats, w: Floats, rows: number, d: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    const s = inv[r]!;
    let dot = 0;
    for (let i = 0; i < d; i++) {
      dot += dy[o + i]! * w[i]! * x[o + i]!;
      dw[i] = dw[i]! + dy[o + i]! * x[o + i]! * s;
    }
    const k = (s * s * s * dot) / d;
    for (let i = 0; i < d; i++) dx[o + i] = dx[o + i]! + s * w[i]! * dy[o + i]! - k * x[o + i]!;
  }
}

/** cos/sin of every (position, pair) for NORM RoPE, the same numbers as forward.ts's rope(). */
export function ropeTable(contextLength: number, headSize: number, theta: number): { cos: Float64Array; sin: Float64Array } {
  const half = headSize / 2;
  const cos = new Float64Array(contextLength * half);
  const sin = new Float64Array(contextLength * half);
  for (let pos = 0; pos < contextLength; pos++) {
    for (let p = 0; p < half; p++) {
      const angle = pos * Math.pow(theta, -((2 * p) / headSize));
      cos[pos * half + p] = Math.cos(angle);
      sin[pos * half + p] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/**
 * Turns the adjacent pairs of every head of rows of width `width` by their position's angle;
 * `direction` -1 turns back (the backward of a rotation is its inverse).
 */
export function ropeRows(x: Floats, width: number, headSize: number, pack: Packing, table: { cos: Float64Array; sin: Float64Array }, direction: 1 | -1): void {
  const half = headSize / 2;
  for (let sIdx = 0; sIdx < pack.starts.length; sIdx++) {
    const start = pack.starts[sIdx]!;
    for (let pos = 0; pos < pack.lengths[sIdx]!; pos++) {
      const o = (start + pos) * width;
      for (let i = 0; i < width; i += 2) {
        const p = (i % headSize) / 2;
        const c = table.cos[pos * half + p]!;
        const sn = direction * table.sin[pos * half + p]!;
        const a = x[o + i]!;
        const b = x[o + i + 1]!;
        x[o + i] = a * c - b * sn;
        x[o + i + 1] = a * sn + b * c;
      }
    }
  }
}

export interface AttentionShape {
  nHeads: number;
  nKvHeads: number;
  headSize: number;
}

/** Floats the saved attention probabilities of a packing take: sum of nHeads * T * T. */
export function attentionProbsSize(pack: Packing, nHeads: number): number {
  let n = 0;
  for (const t of pack.lengths) n += nHeads * t * t;
  return n;
}

/**
 * Causal attention per sequence and head: P = softmax(q k^T / sqrt(hs)) over earlier positions,
 * out = P v. q/out rows are [nHeads * hs], k/v rows [nKvHeads * hs]; P is saved per sequence as
 * [head, t, u] (u <= t filled, the rest 0).
 */
export function attentionRows(out: Floats, probs: Floats, q: Floats, k: Floats, v: Floats, pack: Packing, a: AttentionShape): void {
  const { nHeads, headSize: hs } = a;
  const dim = nHeads * hs;
  const kvWidth = a.nKvHeads * hs;
  const kvMul = nHeads / a.nKvHeads;
  const scale = 1 / Math.sqrt(hs);
  let pOff = 0;
  for (let sIdx = 0; sIdx < pack.starts.length; sIdx++) {
    const start = pack.starts[sIdx]!;
    const T = pack.lengths[sIdx]!;
    for (let h = 0; h < nHeads; h++) {
      const kvOff = Math.floor(h / kvMul) * hs;
      for (let t = 0; t < T; t++) {
        const qo = (start + t) * dim + h * hs;
        const po = pOff + (h * T + t) * T;
        let max = -Infinity;
        for (let u = 0; u <= t; u++) {
          const ko = (start + u) * kvWidth + kvOff;
          let s = 0;
          for (let i = 0; i < hs; i++) s += q[qo + i]! * k[ko + i]!;
          s *= scale;
          probs[po + u] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let u = 0; u <= t; u++) {
          const e = Math.exp(probs[po + u]! - max);
          probs[po + u] = e;
          sum += e;
        }
        for (let u = 0; u <= t; u++) probs[po + u] = probs[po + u]! / sum;
        for (let u = t + 1; u < T; u++) probs[po + u] = 0;
        for (let i = 0; i < hs; i++) out[qo + i] = 0;
        for (let u = 0; u <= t; u++) {
          const p = probs[po + u]!;
          const vo = (start + u) * kvWidth + kvOff;
          for (let i = 0; i < hs; i++) out[qo + i] = out[qo + i]! + p * v[vo + i]!;
        }
      }
    }
    pOff += nHeads * T * T;
  }
}

/** Backward of attentionRows: sets dq, adds into dk and dv (zero them first). */
export function attentionRowsBackward(dq: Floats, dk: Floats, dv: Floats, dOut: Floats, probs: Floats, q: Floats, k: Floats, v: Floats, pack: Packing, a: AttentionShape, dScores: Floats): void {
  const { nHeads, headSize: hs } = a;
  const dim = nHeads * hs;
  const kvWidth = a.nKvHeads * hs;
  const kvMul = nHeads / a.nKvHeads;
  const scale = 1 / Math.sqrt(hs);
  let pOff = 0;
  for (let sIdx = 0; sIdx < pack.starts.length; sIdx++) {
    const start = pack.starts[sIdx]!;
    const T = pack.lengths[sIdx]!;
    for (let h = 0; h < nHeads; h++) {
      const kvOff = Math.floor(h / kvMul) * hs;
      for (let t = 0; t < T; t++) {
        const qo = (start + t) * dim + h * hs;
        const po = pOff + (h * T + t) * T;
        // dP[u] = dOut_t . v_u ; dv_u += P[u] dOut_t
        let pdp = 0;
        for (let u = 0; u <= t; u++) {
          const vo = (start + u) * kvWidth + kvOff;
          const p = probs[po + u]!;
          let d = 0;
          for (let i = 0; i < hs; i++) {
            d += dOut[qo + i]! * v[vo + i]!;
            dv[vo + i] = dv[vo + i]! + p * dOut[qo + i]!;
          }
          dScores[u] = d;
          pdp += p * d;
        }
        // dS[u] = P[u] (dP[u] - sum P dP), through the 1/sqrt(hs) scale into q and k
        for (let i = 0; i < hs; i++) dq[qo + i] = 0;
        for (let u = 0; u <= t; u++) {
          const ds = probs[po + u]! * (dScores[u]! - pdp) * scale;
          if (ds === 0) continue;
          const ko = (start + u) * kvWidth + kvOff;
          for (let i = 0; i < hs; i++) {
            dq[qo + i] = dq[qo + i]! + ds * k[ko + i]!;
            dk[ko + i] = dk[ko + i]! + ds * q[qo + i]!;
          }
        }
      }
    }
    pOff += nHeads * T * T;
  }
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** h = silu(g) * u */
export function swiglu(h: Floats, g: Floats, u: Floats, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = g[i]!;
    h[i] = x * sigmoid(x) * u[i]!;
  }
}

/** dg = dh u silu'(g), du = dh silu(g), with silu'(x) = s (1 + x (1 - s)). */
export function swigluBackward(dg: Floats, du: Floats, dh: Floats, g: Floats, u: Floats, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = g[i]!;
    const s = sigmoid(x);
    du[i] = dh[i]! * x * s;
    dg[i] = dh[i]! * u[i]! * s * (1 + x * (1 - s));
  }
}

/**
 * Cross-entropy of rows of logits [rows, vocab] against targets, row r weighted by weights[r]
 * (1 when absent); turns `logits` into d(loss * scale)/d(logits) in place and returns the summed
 * weighted (unscaled) loss.
 */
export function crossEntropyBackward(logits: Floats, targets: ArrayLike<number>, rows: number, vocab: number, scale: number, weights?: ArrayLike<number>): number {
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const w = weights ? weights[r]! : 1;
    const k = scale * w;
    const o = r * vocab;
    let max = -Infinity;
    for (let i = 0; i < vocab; i++) if (logits[o + i]! > max) max = logits[o + i]!;
    const target = targets[r]!;
    const targetLogit = logits[o + target]!;
    let sum = 0;
    for (let i = 0; i < vocab; i++) {
      const e = Math.exp(logits[o + i]! - max);
      logits[o + i] = e;
      sum += e;
    }
    loss += w * (Math.log(sum) - (targetLogit - max));
    for (let i = 0; i < vocab; i++) logits[o + i] = (logits[o + i]! / sum) * k;
    logits[o + target] = logits[o + target]! - k;
  }
  return loss;
}
