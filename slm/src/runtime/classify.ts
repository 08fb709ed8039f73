/**
 * The neural classifier: the prompt up to "### intent:", greedy decoding to the end of the line,
 * the text mapped to an intent; confidence is the probability the model gave the intent's tokens
 * (the product of their softmax probabilities).
 */
import { formatPrompt, toIntent } from '../model/prompt';
import type { Intent } from '../types';
import { openAuton } from './auton';
import { openCodec } from './codec';

export interface NeuralClassification {
  intent: Intent | undefined;
  confidence: number;
  /** What the model wrote after "### intent:". */
  text: string;
}

/** Longest intent name in tokens, with room for a vocabulary that spells it byte by byte. */
const MAX_INTENT_TOKENS = 24;

function probability(logits: Float32Array, id: number): number {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  return Math.exp((logits[id] ?? -Infinity) - max) / sum;
}

export async function classifyNeural(modelFile: string, requests: readonly string[]): Promise<NeuralClassification[]> {
  const session = openAuton(modelFile);
  const { tokenizer } = session.loaded;
  const codec = await openCodec(modelFile);
  try {
    // The intent ends at the line break (or at EOS): every token that holds one stops decoding.
    const newline = tokenizer.tokens.flatMap((t, id) => (t.includes('\n') || t === '<0x0A>' ? [id] : []));
    return requests.map((request) => {
      const prompt = [tokenizer.bos, ...codec.encode(formatPrompt(request))];
      let confidence = 1;
      const ids = session.generate(prompt, MAX_INTENT_TOKENS, [tokenizer.eos, ...newline], (id, logits) => {
        confidence *= probability(logits, id);
      });
      const text = codec.decode(ids).trim();
      return { intent: toIntent(text), confidence, text };
    });
  } finally {
    await codec.dispose();
  }
}
