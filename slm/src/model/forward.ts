/**
 * The inference forward pass, one token at a time with a key/value cache, written like
 * llama2.c's run.c: plain structs, one function per operation, the whole transformer readable
 * top to bottom. It follows llama.cpp's `llama` architecture exactly (NORM RoPE on adjacent
 * pairs, grouped-query attention with query head h reading kv head h / (nHeads / nKvHeads)), so
 * greedy decoding here and in llama.cpp agree token for token on the same GGUF.
 */
import type { ModelConfig, Weights } from '../types';
import { checkConfig, headDim, kvDim } from './config';
import { layerName } from './weights';

export interface LayerWeights {
  attnNorm: Float32Array; // [dim]
  wq: Float32Array; // [dim, dim]
  wk: Float32Array; // [kvDim, dim]
  wv: Float32Array; // [kvDim, dim]
  wo: Float32Array; // [dim, dim]
  ffnNorm: Float32Array; // [dim]
  wGate: Float32Array; // [hidden, dim]
  wUp: Float32Array; // [hidden, dim]
  wDown: Float32Array; // [dim, hidden]
}

export interface Model {
  config: ModelConfig;
  tokenEmbedding: Float32Array; // [vocab, dim]
  layers: LayerWeights[];
  outputNorm: Float32Array; // [dim]
  output: Float32Array; // [vocab, dim]
}

/** Activation buffers and the kv cache of one generation. */
export interface RunState {
  x: Float32Array; // residual stream [dim]
  xb: Float32Array; // normed input / attention output [dim]
  xb2: Float32Array; // projection output [dim]
  hb: Float32Array; // ffn gate [hidden]
  hb2: Float32Array; // ffn up [hidden]
  q: Float32Array; // [dim]
  att: Float32Array; // attention scores of one head [contextLength]
  logits: Float32Array; // [vocab]
  keyCache: Float32Array; // [layer, contextLength, kvDim]
  valueCache: Float32Array; // [layer, contextLength, kvDim]
}

/** Binds named weights to the model struct, checking every shape. */
export function buildModel(config: ModelConfig, weights: Weights): Model {
  checkConfig(config);
  const get = (name: string, shape: number[]): Float32Array => {
    const t = weights.get(name);
    if (!t) throw new Error(`model weights lack tensor ${name}`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`tensor ${name} has shape [${t.shape.join(', ')}], config "${config.name}" expects [${shape.join(', ')}]`);
    }
    return t.data;
  };
  const { dim, hiddenDim, vocabSize } = config;
  const kv = kvDim(config);
  const layers: LayerWeights[] = [];
  for (let l = 0; l < config.nLayers; l++) {
    layers.push({
      attnNorm: get(layerName(l, 'attn_norm'), [dim]),
      wq: get(layerName(l, 'attn_q'), [dim, dim]),
      wk: get(layerName(l, 'attn_k'), [kv, dim]),
      wv: get(layerName(l, 'attn_v'), [kv, dim]),
      wo: get(layerName(l, 'attn_output'), [dim, dim]),
      ffnNorm: get(layerName(l, 'ffn_norm'), [dim]),
      wGate: get(layerName(l, 'ffn_gate'), [hiddenDim, dim]),
      wUp: get(layerName(l, 'ffn_up'), [hiddenDim, dim]),
      wDown: get(layerName(l, 'ffn_down'), [dim, hiddenDim]),
    });
  }
  return {
    config,
    tokenEmbedding: get('token_embd.weight', [vocabSize, dim]),
    layers,
    outputNorm: get('output_norm.weight', [dim]),
    output: get('output.weight', [vocabSize, dim]),
  };
}

export function createRunState(c: ModelConfig): RunState {
  const kv = kvDim(c);
  return {
    x: new Float32Array(c.dim),
    xb: new Float32Array(c.dim),
    xb2: new Float32Array(c.dim),
    hb: new Float32Array(c.hiddenDim),
    hb2: new Float32Array(c.hiddenDim),
    q: new Float32Array(c.dim),
    att: new Float32Array(c.contextLength),
    logits: new Float32Array(c.vocabSize),
    keyCache: new Float32Array(c.nLayers * c.contextLength * kv),
    valueCache: new Float32Array(c.nLayers * c.contextLength * kv),
  };
}

/** out = x * w / sqrt(mean(x^2) + eps) */
export function rmsnorm(out: Float32Array, x: Float32Array, w: Float32Array, eps: number): void {
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += x[i]! * x[i]!;
  const scale = 1 / Math.sqrt(ss / x.length + eps);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * scale * w[i]!;
}

/** Rounds a matmul input the way a runtime does before multiplying it by one stored weight. */
export type InputRounding = (out: Float32Array, x: Float32Array) => void;

/**
 * Input rounding per weight matrix. llama.cpp multiplies a Q8_0/Q4_0 weight by activations
 * quantized to Q8_0 and an F16 weight by activations rounded to fp16; runtime/auton.ts registers
 * that for weights read from such a GGUF so greedy decoding agrees with llama.cpp exactly.
 */
const inputRounding = new WeakMap<Float32Array, InputRounding>();

export function setInputRounding(w: Float32Array, round: InputRounding): void {
  inputRounding.set(w, round);
}

/** out[n] = W[n, :] . x for W of shape [n, d]. */
export function matmul(out: Float32Array, input: Float32Array, w: Float32Array, n: number, d: number): void {
  const round = inputRounding.get(w);
  let x = input;
  if (round !== undefined) {
    x = new Float32Array(d);
    round(x, input.subarray(0, d));
  }
  for (let i = 0; i < n; i++) {
    const row = i * d;
    let s0 = 0;
    let s1 = 0;
    let j = 0;
    for (; j + 1 < d; j += 2) {
      s0 += w[row + j]! * x[j]!;
      s1 += w[row + j + 1]! * x[j + 1]!;
    }
    if (j < d) s0 += w[row + j]! * x[j]!;
    out[i] = s0 + s1;
  }
}

/** In-place softmax over the first `n` entries. */
export function softmax(x: Float32Array, n = x.length): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (x[i]! > max) max = x[i]!;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(x[i]! - max);
    x[i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) x[i] = x[i]! / sum;
}

/**
 * NORM RoPE (llama.cpp rope mode 0): within each head the adjacent pair (2i, 2i+1) turns by
 * pos * theta^(-2i / headSize). `vec` holds whole heads back to back from `offset`.
 */
export function rope(vec: Float32Array, offset: number, length: number, headSize: number, pos: number, theta: number): void {
  for (let i = 0; i < length; i += 2) {
    const freq = Math.pow(theta, -((i % headSize) / headSize));
    const angle = pos * freq;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const a = vec[offset + i]!;
    const b = vec[offset + i + 1]!;
    vec[offset + i] = a * cos - b * sin;
    vec[offset + i + 1] = a * sin + b * cos;
  }
}

const silu = (x: number): number => x / (1 + Math.exp(-x));

/** Runs `token` at position `pos`, filling the cache at `pos`; returns the logits (state.logits). */
export function forward(m: Model, s: RunState, token: number, pos: number): Float32Array {
  const c = m.config;
  const { dim, hiddenDim, nHeads, contextLength } = c;
  const hs = headDim(c);
  const kv = kvDim(c);
  const kvMul = nHeads / c.nKvHeads;
  if (!Number.isInteger(token) || token < 0 || token >= c.vocabSize) throw new Error(`token id ${token} is outside the vocabulary (0..${c.vocabSize - 1})`);
  if (pos < 0 || pos >= contextLength) throw new Error(`position ${pos} is past the context length ${contextLength}`);

  s.x.set(m.tokenEmbedding.subarray(token * dim, (token + 1) * dim));

  for (let l = 0; l < c.nLayers; l++) {
    const w = m.layers[l]!;
    // attention: q, and k, v straight into this position's cache slot
    rmsnorm(s.xb, s.x, w.attnNorm, c.normEps);
    const cacheBase = l * contextLength * kv;
    const k = s.keyCache.subarray(cacheBase + pos * kv, cacheBase + (pos + 1) * kv);
    const v = s.valueCache.subarray(cacheBase + pos * kv, cacheBase + (pos + 1) * kv);
    matmul(s.q, s.xb, w.wq, dim, dim);
    matmul(k, s.xb, w.wk, kv, dim);
    matmul(v, s.xb, w.wv, kv, dim);
    rope(s.q, 0, dim, hs, pos, c.ropeTheta);
    rope(k, 0, kv, hs, pos, c.ropeTheta);

    const scale = 1 / Math.sqrt(hs);
    for (let h = 0; h < nHeads; h++) {
      const qOff = h * hs;
      const kvOff = Math.floor(h / kvMul) * hs;
      for (let t = 0; t <= pos; t++) {
        const kRow = cacheBase + t * kv + kvOff;
        let score = 0;
        for (let i = 0; i < hs; i++) score += s.q[qOff + i]! * s.keyCache[kRow + i]!;
        s.att[t] = score * scale;
      }
      softmax(s.att, pos + 1);
      const out = s.xb.subarray(qOff, qOff + hs);
      out.fill(0);
      for (let t = 0; t <= pos; t++) {
        const vRow = cacheBase + t * kv + kvOff;
        const a = s.att[t]!;
        for (let i = 0; i < hs; i++) out[i] = out[i]! + a * s.valueCache[vRow + i]!;
      }
    }
    matmul(s.xb2, s.xb, w.wo, dim, dim);
    for (let i = 0; i < dim; i++) s.x[i] = s.x[i]! + s.xb2[i]!;

    // SwiGLU feed-forward: down(silu(gate(x)) * up(x))
    rmsnorm(s.xb, s.x, w.ffnNorm, c.normEps);
    matmul(s.hb, s.xb, w.wGate, hiddenDim, dim);
    matmul(s.hb2, s.xb, w.wUp, hiddenDim, dim);
    for (let i = 0; i < hiddenDim; i++) s.hb[i] = silu(s.hb[i]!) * s.hb2[i]!;
    matmul(s.xb2, s.hb, w.wDown, dim, hiddenDim);
    for (let i = 0; i < dim; i++) s.x[i] = s.x[i]! + s.xb2[i]!;
  }

  rmsnorm(s.x, s.x, m.outputNorm, c.normEps);
  matmul(s.logits, s.x, m.output, c.vocabSize, dim);
  return s.logits;
}
