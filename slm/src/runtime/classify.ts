/**
 * The neural classifier behind `auton slm classify --backend neural`: eval/predict.ts (greedy
 * decoding of the intent line, confidence = probability of the first intent token) on a GGUF.
 */
import { createRunState } from '../model/forward';
import { predict } from '../eval/predict';
import type { Intent } from '../types';
import { openAuton } from './auton';
import { SpmTokenizer } from '../tokenizer/spm';

export interface NeuralClassification {
  intent: Intent | undefined;
  confidence: number;
  /** What the model wrote after "### intent:". */
  text: string;
}

/** Enough for any intent name even spelled byte by byte. */
const MAX_INTENT_TOKENS = 24;

/** Classifies each request with the model in `modelFile` (a GGUF; a GgufError if unusable). */
export function classifyNeural(modelFile: string, requests: readonly string[]): NeuralClassification[] {
  const { model, loaded } = openAuton(modelFile);
  const tokenizer = new SpmTokenizer(loaded.tokenizer);
  const state = createRunState(model.config);
  return requests.map((request) => {
    const p = predict(model, tokenizer, request, { answer: false, maxTokens: MAX_INTENT_TOKENS, state });
    return { intent: p.intent, confidence: p.confidence, text: p.intentText };
  });
}
