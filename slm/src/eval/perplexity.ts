/**
 * Perplexity of the intent + answer tokens given the request (the part the model is trained to
 * produce), computed with the batched training forward pass.
 */
import type { Weights } from '../types';
import { Backprop, packBatch } from '../model/backprop';
import type { Model } from '../model/forward';
import type { EncodedExample } from '../model/prompt';
import { flattenWeights, layerName } from '../model/weights';

export interface Perplexity {
  loss: number; // mean cross-entropy per scored token (nats)
  perplexity: number;
  tokens: number;
}

/** The Model struct's tensors under their GGUF names. */
export function modelWeights(m: Model): Weights {
  const c = m.config;
  const w: Weights = new Map();
  const put = (name: string, shape: number[], data: Float32Array): void => void w.set(name, { shape, data });
  const kv = (c.dim / c.nHeads) * c.nKvHeads;
  put('token_embd.weight', [c.vocabSize, c.dim], m.tokenEmbedding);
  m.layers.forEach((l, i) => {
    put(layerName(i, 'attn_norm'), [c.dim], l.attnNorm);
    put(layerName(i, 'attn_q'), [c.dim, c.dim], l.wq);
    put(layerName(i, 'attn_k'), [kv, c.dim], l.wk);
    put(layerName(i, 'attn_v'), [kv, c.dim], l.wv);
    put(layerName(i, 'attn_output'), [c.dim, c.dim], l.wo);
    put(layerName(i, 'ffn_norm'), [c.dim], l.ffnNorm);
    put(layerName(i, 'ffn_gate'), [c.hiddenDim, c.dim], l.wGate);
    put(layerName(i, 'ffn_up'), [c.hiddenDim, c.dim], l.wUp);
    put(layerName(i, 'ffn_down'), [c.dim, c.hiddenDim], l.wDown);
  });
  put('output_norm.weight', [c.dim], m.outputNorm);
  put('output.weight', [c.vocabSize, c.dim], m.output);
  return w;
}

export function perplexity(m: Model, examples: EncodedExample[], batchSize = 16): Perplexity {
  const bp = new Backprop(m.config, flattenWeights(m.config, modelWeights(m)));
  let loss = 0;
  let tokens = 0;
  const usable = examples.filter((e) => e.ids.length <= m.config.contextLength);
  for (let i = 0; i < usable.length; i += batchSize) {
    const part = usable.slice(i, i + batchSize);
    const r = bp.run(packBatch(part.map((e) => e.ids), part.map((e) => e.lossFrom)));
    loss += r.loss;
    tokens += r.tokens;
  }
  const mean = tokens ? loss / tokens : 0;
  return { loss: mean, perplexity: Math.exp(mean), tokens };
}
