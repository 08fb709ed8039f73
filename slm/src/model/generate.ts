/**
 * Decoding on top of the forward pass: greedy (argmax, lowest id on ties, as llama.cpp's greedy
 * sampler) or temperature sampling from a seeded generator.
 */
import { createRunState, forward, type Model, type RunState } from './forward';
import { Rng } from './rng';

export function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

/** Samples from softmax(logits / temperature); temperature 0 is greedy. */
export function sample(logits: Float32Array, temperature: number, rng: Rng): number {
  if (temperature <= 0) return argmax(logits);
  let max = -Infinity;
  for (const l of logits) if (l > max) max = l;
  const p = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    p[i] = Math.exp((logits[i]! - max) / temperature);
    sum += p[i]!;
  }
  let r = rng.next() * sum;
  for (let i = 0; i < p.length; i++) {
    r -= p[i]!;
    if (r < 0) return i;
  }
  return p.length - 1;
}

export interface GenerateOptions {
  maxTokens: number;
  temperature?: number; // 0 (default): greedy
  seed?: number;
  stop?: number[]; // token ids that end generation (not included in the output)
  state?: RunState; // reuse buffers across calls
  onToken?: (id: number, logits: Float32Array) => void;
}

/** Feeds `prompt` (ids) and returns the newly generated ids. */
export function generateIds(m: Model, prompt: number[], o: GenerateOptions): number[] {
  if (prompt.length === 0) throw new Error('the prompt is empty: pass at least one token (usually BOS)');
  const ctx = m.config.contextLength;
  if (prompt.length > ctx) throw new Error(`the prompt has ${prompt.length} tokens, more than the context length ${ctx}`);
  const state = o.state ?? createRunState(m.config);
  const rng = new Rng(o.seed ?? 0);
  const stop = new Set(o.stop ?? []);
  let logits: Float32Array = new Float32Array(0);
  for (let pos = 0; pos < prompt.length; pos++) logits = forward(m, state, prompt[pos]!, pos);
  const out: number[] = [];
  for (let pos = prompt.length; out.length < o.maxTokens; pos++) {
    const next = sample(logits, o.temperature ?? 0, rng);
    if (stop.has(next)) break;
    o.onToken?.(next, logits);
    out.push(next);
    if (pos >= ctx) break;
    logits = forward(m, state, next, pos);
  }
  return out;
}
