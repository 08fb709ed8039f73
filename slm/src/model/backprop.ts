/**
 * The training pass: forward over a packed batch of sequences, saving what the backward needs,
 * then the backward into a flat gradient buffer laid out like the parameters. The arithmetic is
 * forward.ts's (same RoPE, same grouped-query attention), batched over rows; a test checks both
 * give the same logits, and another checks every gradient against finite differences.
 */
import type { ModelConfig } from '../types';
import { checkConfig, headDim, kvDim } from './config';
import {
  type AttentionShape, attentionProbsSize, attentionRows, attentionRowsBackward, crossEntropyBackward, type Packing,
  rmsnormRows, rmsnormRowsBackward, ropeRows, ropeTable, swiglu, swigluBackward,
} from './layers';
import { matmulABt, transpose } from './matmul';
import { type Floats, layerName, tensorSpecs, totalSize } from './weights';

/**
 * Sequences packed back to back: row r predicts targets[r] (-1: no loss) from tokens[..r], its
 * loss weighted by weights[r] (1 when absent).
 */
export interface TrainBatch extends Packing {
  tokens: Int32Array;
  targets: Int32Array;
  weights?: Float32Array;
}

export interface LossResult {
  loss: number; // summed (and weighted) over the rows with a target
  tokens: number; // rows with a target
}

interface LayerViews {
  attnNorm: number;
  wq: number;
  wk: number;
  wv: number;
  wo: number;
  ffnNorm: number;
  wGate: number;
  wUp: number;
  wDown: number;
}

interface LayerActivations {
  xIn: Floats;
  inv1: Floats;
  xn1: Floats;
  q: Floats;
  k: Floats;
  v: Floats;
  probs: Floats;
  ao: Floats;
  xMid: Floats;
  inv2: Floats;
  xn2: Floats;
  g: Floats;
  u: Floats;
  h: Floats;
}

/**
 * Packs token sequences; `lossFrom[i]` is the index of the first token of sequence i the loss
 * scores (0 or 1: all). With `weighted`, tokens lossFrom[i] .. weightedTo[i] - 1 weigh `weight`.
 */
export function packBatch(sequences: number[][], lossFrom: number[], weighted?: { weightedTo: number[]; weight: number }): TrainBatch {
  let rows = 0;
  for (const s of sequences) rows += Math.max(0, s.length - 1);
  const tokens = new Int32Array(rows);
  const targets = new Int32Array(rows);
  const weights = weighted ? new Float32Array(rows).fill(1) : undefined;
  const starts: number[] = [];
  const lengths: number[] = [];
  let r = 0;
  sequences.forEach((s, i) => {
    if (s.length < 2) return;
    starts.push(r);
    lengths.push(s.length - 1);
    for (let t = 0; t + 1 < s.length; t++, r++) {
      tokens[r] = s[t]!;
      targets[r] = t + 1 >= (lossFrom[i] ?? 0) ? s[t + 1]! : -1;
      if (weights && weighted && t + 1 >= (lossFrom[i] ?? 0) && t + 1 < (weighted.weightedTo[i] ?? 0)) weights[r] = weighted.weight;
    }
  });
  return { tokens, targets, starts, lengths, ...(weights ? { weights } : {}) };
}

export function countTargets(b: TrainBatch): number {
  let n = 0;
  for (const t of b.targets) if (t >= 0) n++;
  return n;
}

/** Growable scratch arrays of the parameters' float type, reused across steps. */
class Scratch {
  private buffers = new Map<string, Floats>();
  constructor(private readonly f64: boolean) {}
  get(name: string, size: number, zero = false): Floats {
    let b = this.buffers.get(name);
    if (!b || b.length < size) {
      const capacity = Math.ceil(size * 1.25) + 16;
      b = this.f64 ? new Float64Array(capacity) : new Float32Array(capacity);
      this.buffers.set(name, b);
    } else if (zero) {
      b.fill(0, 0, size);
    }
    return b.subarray(0, size);
  }
}

export class Backprop {
  readonly config: ModelConfig;
  private readonly params: Floats;
  private readonly paramsT: Floats;
  private readonly offsets = new Map<string, number>();
  private readonly layers: LayerViews[] = [];
  private readonly scratch: Scratch;
  private readonly rope: { cos: Float64Array; sin: Float64Array };
  private readonly attn: AttentionShape;
  private prepared = false;

  /** `params` is read, never written: the optimizer owns it (and may share it between threads). */
  constructor(config: ModelConfig, params: Floats) {
    this.config = checkConfig(config);
    const specs = tensorSpecs(config);
    if (params.length !== totalSize(specs)) throw new Error(`parameter buffer holds ${params.length} floats, model "${config.name}" needs ${totalSize(specs)}`);
    this.params = params;
    const f64 = params instanceof Float64Array;
    this.paramsT = f64 ? new Float64Array(params.length) : new Float32Array(params.length);
    for (const s of specs) this.offsets.set(s.name, s.offset);
    for (let l = 0; l < config.nLayers; l++) {
      const at = (part: string): number => this.offsets.get(layerName(l, part))!;
      this.layers.push({
        attnNorm: at('attn_norm'), wq: at('attn_q'), wk: at('attn_k'), wv: at('attn_v'), wo: at('attn_output'),
        ffnNorm: at('ffn_norm'), wGate: at('ffn_gate'), wUp: at('ffn_up'), wDown: at('ffn_down'),
      });
    }
    this.scratch = new Scratch(f64);
    this.rope = ropeTable(config.contextLength, headDim(config), config.ropeTheta);
    this.attn = { nHeads: config.nHeads, nKvHeads: config.nKvHeads, headSize: headDim(config) };
  }

  /** Refreshes the transposed matrices the backward multiplies by; call after every parameter update. */
  prepare(): void {
    for (const s of tensorSpecs(this.config)) {
      if (s.shape.length !== 2 || s.name === 'token_embd.weight') continue;
      transpose(this.paramsT.subarray(s.offset, s.offset + s.size), this.params.subarray(s.offset, s.offset + s.size), s.shape[0]!, s.shape[1]!);
    }
    this.prepared = true;
  }

  private p(offset: number, size: number): Floats {
    return this.params.subarray(offset, offset + size);
  }

  private pT(offset: number, size: number): Floats {
    return this.paramsT.subarray(offset, offset + size);
  }

  /**
   * Loss of the batch; with `grad`, also adds d(loss * scale)/d(params) into it (zero it first).
   * `scale` is usually 1 / (targets in the whole batch), so shards of one batch add up exactly.
   */
  run(batch: TrainBatch, grad?: Floats, scale = 1): LossResult {
    const c = this.config;
    const { dim: D, hiddenDim: H, vocabSize: V } = c;
    const KV = kvDim(c);
    const N = batch.tokens.length;
    const S = this.scratch;
    for (const len of batch.lengths) {
      if (len > c.contextLength) throw new Error(`a training sequence has ${len + 1} tokens, more than the context length ${c.contextLength}`);
    }

    // ---- forward ----
    const emb = this.p(this.offsets.get('token_embd.weight')!, V * D);
    let x = S.get('x0', N * D);
    for (let r = 0; r < N; r++) {
      const tok = batch.tokens[r]!;
      if (tok < 0 || tok >= V) throw new Error(`token id ${tok} is outside the vocabulary (0..${V - 1})`);
      x.set(emb.subarray(tok * D, (tok + 1) * D), r * D);
    }
    const acts: LayerActivations[] = [];
    const probsSize = attentionProbsSize(batch, c.nHeads);
    for (let l = 0; l < c.nLayers; l++) {
      const w = this.layers[l]!;
      const a: LayerActivations = {
        xIn: x,
        inv1: S.get(`inv1.${l}`, N), xn1: S.get(`xn1.${l}`, N * D),
        q: S.get(`q.${l}`, N * D), k: S.get(`k.${l}`, N * KV), v: S.get(`v.${l}`, N * KV),
        probs: S.get(`probs.${l}`, probsSize), ao: S.get(`ao.${l}`, N * D), xMid: S.get(`xMid.${l}`, N * D),
        inv2: S.get(`inv2.${l}`, N), xn2: S.get(`xn2.${l}`, N * D),
        g: S.get(`g.${l}`, N * H), u: S.get(`u.${l}`, N * H), h: S.get(`h.${l}`, N * H),
      };
      rmsnormRows(a.xn1, a.inv1, a.xIn, this.p(w.attnNorm, D), N, D, c.normEps);
      matmulABt(a.q, a.xn1, this.p(w.wq, D * D), N, D, D);
      matmulABt(a.k, a.xn1, this.p(w.wk, KV * D), N, KV, D);
      matmulABt(a.v, a.xn1, this.p(w.wv, KV * D), N, KV, D);
      ropeRows(a.q, D, this.attn.headSize, batch, this.rope, 1);
      ropeRows(a.k, KV, this.attn.headSize, batch, this.rope, 1);
      attentionRows(a.ao, a.probs, a.q, a.k, a.v, batch, this.attn);
      matmulABt(a.xMid, a.ao, this.p(w.wo, D * D), N, D, D);
      for (let i = 0; i < N * D; i++) a.xMid[i] = a.xMid[i]! + a.xIn[i]!;
      rmsnormRows(a.xn2, a.inv2, a.xMid, this.p(w.ffnNorm, D), N, D, c.normEps);
      matmulABt(a.g, a.xn2, this.p(w.wGate, H * D), N, H, D);
      matmulABt(a.u, a.xn2, this.p(w.wUp, H * D), N, H, D);
      swiglu(a.h, a.g, a.u, N * H);
      const xOut = S.get(`x${l + 1}`, N * D);
      matmulABt(xOut, a.h, this.p(w.wDown, D * H), N, D, H);
      for (let i = 0; i < N * D; i++) xOut[i] = xOut[i]! + a.xMid[i]!;
      acts.push(a);
      x = xOut;
    }

    // the output layer only on rows that are scored
    const lossRows: number[] = [];
    for (let r = 0; r < N; r++) if (batch.targets[r]! >= 0) lossRows.push(r);
    const M = lossRows.length;
    const xF = S.get('xF', M * D);
    const targets = new Int32Array(M);
    const weights = batch.weights ? new Float32Array(M) : undefined;
    lossRows.forEach((r, i) => {
      xF.set(x.subarray(r * D, (r + 1) * D), i * D);
      targets[i] = batch.targets[r]!;
      if (weights) weights[i] = batch.weights![r]!;
    });
    const invF = S.get('invF', M);
    const xl = S.get('xl', M * D);
    const outNormOff = this.offsets.get('output_norm.weight')!;
    const outOff = this.offsets.get('output.weight')!;
    rmsnormRows(xl, invF, xF, this.p(outNormOff, D), M, D, c.normEps);
    const logits = S.get('logits', M * V);
    matmulABt(logits, xl, this.p(outOff, V * D), M, V, D);
    const loss = crossEntropyBackward(logits, targets, M, V, scale, weights);
    if (!grad) return { loss, tokens: M };

    // ---- backward ----
    if (!this.prepared) throw new Error('Backprop.prepare() must run after the parameters change and before a backward pass');
    if (grad.length !== this.params.length) throw new Error(`gradient buffer holds ${grad.length} floats, the model has ${this.params.length}`);
    const g = (offset: number, size: number): Floats => grad.subarray(offset, offset + size);
    const dLogits = logits;
    const maxRows = Math.max(M, N);
    const tA = S.get('tA', Math.max(V, H, D) * maxRows); // transposed dY
    const tB = S.get('tB', Math.max(H, D) * maxRows); // transposed X
    // dW[O, I] += dY[rows, O]^T X[rows, I]
    const weightGrad = (dW: Floats, dY: Floats, X: Floats, rows: number, O: number, I: number): void => {
      const dYt = tA.subarray(0, O * rows);
      const Xt = tB.subarray(0, I * rows);
      transpose(dYt, dY, rows, O);
      transpose(Xt, X, rows, I);
      matmulABt(dW, dYt, Xt, O, I, rows, true);
    };

    const dXl = S.get('dXl', M * D);
    matmulABt(dXl, dLogits, this.pT(outOff, V * D), M, D, V);
    weightGrad(g(outOff, V * D), dLogits, xl, M, V, D);
    const dXF = S.get('dXF', M * D, true);
    rmsnormRowsBackward(dXF, g(outNormOff, D), dXl, xF, invF, this.p(outNormOff, D), M, D);
    let dx = S.get('dx', N * D, true);
    lossRows.forEach((r, i) => dx.set(dXF.subarray(i * D, (i + 1) * D), r * D));

    const dh = S.get('dh', N * H);
    const dg = S.get('dg', N * H);
    const du = S.get('du', N * H);
    const dxn = S.get('dxn', N * D);
    const dao = S.get('dao', N * D);
    const dq = S.get('dq', N * D);
    const dScores = S.get('dScores', c.contextLength);
    for (let l = c.nLayers - 1; l >= 0; l--) {
      const w = this.layers[l]!;
      const a = acts[l]!;
      // feed-forward: xOut = xMid + down(silu(gate(xn2)) * up(xn2))
      matmulABt(dh, dx, this.pT(w.wDown, D * H), N, H, D);
      weightGrad(g(w.wDown, D * H), dx, a.h, N, D, H);
      swigluBackward(dg, du, dh, a.g, a.u, N * H);
      matmulABt(dxn, dg, this.pT(w.wGate, H * D), N, D, H);
      matmulABt(dxn, du, this.pT(w.wUp, H * D), N, D, H, true);
      weightGrad(g(w.wGate, H * D), dg, a.xn2, N, H, D);
      weightGrad(g(w.wUp, H * D), du, a.xn2, N, H, D);
      const dxMid = dx; // the residual passes dx straight through; the norm branch adds to it
      rmsnormRowsBackward(dxMid, g(w.ffnNorm, D), dxn, a.xMid, a.inv2, this.p(w.ffnNorm, D), N, D);

      // attention: xMid = xIn + wo(attention(rope(q), rope(k), v))
      matmulABt(dao, dxMid, this.pT(w.wo, D * D), N, D, D);
      weightGrad(g(w.wo, D * D), dxMid, a.ao, N, D, D);
      const dk = S.get('dk', N * KV, true);
      const dv = S.get('dv', N * KV, true);
      attentionRowsBackward(dq, dk, dv, dao, a.probs, a.q, a.k, a.v, batch, this.attn, dScores);
      ropeRows(dq, D, this.attn.headSize, batch, this.rope, -1);
      ropeRows(dk, KV, this.attn.headSize, batch, this.rope, -1);
      matmulABt(dxn, dq, this.pT(w.wq, D * D), N, D, D);
      matmulABt(dxn, dk, this.pT(w.wk, KV * D), N, D, KV, true);
      matmulABt(dxn, dv, this.pT(w.wv, KV * D), N, D, KV, true);
      weightGrad(g(w.wq, D * D), dq, a.xn1, N, D, D);
      weightGrad(g(w.wk, KV * D), dk, a.xn1, N, KV, D);
      weightGrad(g(w.wv, KV * D), dv, a.xn1, N, KV, D);
      rmsnormRowsBackward(dxMid, g(w.attnNorm, D), dxn, a.xIn, a.inv1, this.p(w.attnNorm, D), N, D);
      dx = dxMid;
    }

    const dEmb = g(this.offsets.get('token_embd.weight')!, V * D);
    for (let r = 0; r < N; r++) {
      const o = batch.tokens[r]! * D;
      for (let i = 0; i < D; i++) dEmb[o + i] = dEmb[o + i]! + dx[r * D + i]!;
    }
    return { loss, tokens: M };
  }
}
