/**
 * What the model says about one request: greedy decoding after the prompt, read back as an
 * intent and an answer. Confidence is the probability the model gave its first intent token.
 */
import type { Intent, Tokenizer } from '../types';
import { createRunState, forward, type Model, type RunState } from '../model/forward';
import { argmax } from '../model/generate';
import { ANSWER_TAG, formatPrompt, parseCompletion } from '../model/prompt';

export interface Prediction {
  intent: Intent | undefined;
  intentText: string;
  answer: string;
  confidence: number;
  generated: number; // tokens generated
}

export interface PredictOptions {
  /** Decode the answer too (else stop at the end of the intent line). */
  answer: boolean;
  maxTokens: number;
  state?: RunState;
}

function softmaxAt(logits: Float32Array, index: number): number {
  let max = -Infinity;
  for (const l of logits) if (l > max) max = l;
  let sum = 0;
  for (const l of logits) sum += Math.exp(l - max);
  return Math.exp(logits[index]! - max) / sum;
}

export function predict(m: Model, tok: Tokenizer, request: string, o: PredictOptions): Prediction {
  const prompt = tok.encode(formatPrompt(request), { bos: true });
  const ctx = m.config.contextLength;
  if (prompt.length >= ctx) return { intent: undefined, intentText: '', answer: '', confidence: 0, generated: 0 };
  const state = o.state ?? createRunState(m.config);
  let logits: Float32Array = new Float32Array(0);
  for (let pos = 0; pos < prompt.length; pos++) logits = forward(m, state, prompt[pos]!, pos);
  const out: number[] = [];
  let confidence = 0;
  let text = '';
  for (let pos = prompt.length; out.length < o.maxTokens; pos++) {
    const next = argmax(logits);
    if (out.length === 0) confidence = softmaxAt(logits, next);
    if (next === tok.data.eos) break;
    out.push(next);
    text = tok.decode(out);
    // the intent line is done once the answer tag (or any newline) starts
    if (!o.answer && text.includes('\n')) break;
    if (o.answer && text.includes(ANSWER_TAG) && text.slice(text.indexOf(ANSWER_TAG) + ANSWER_TAG.length).includes('\n')) break;
    if (pos >= ctx) break;
    logits = forward(m, state, next, pos);
  }
  return { ...parseCompletion(text), confidence, generated: out.length };
}
