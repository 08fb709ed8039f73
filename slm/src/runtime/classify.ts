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

/**
 * Classifies each request with the model in `modelFile` (a GGUF; a GgufError if unusable).
 * A promise, so that a runtime that works asynchronously (llama.cpp) can stand behind it.
 */
export function classifyNeural(modelFile: string, requests: readonly string[]): Promise<NeuralClassification[]> {
  try {
    const { model, loaded } = openAuton(modelFile);
    const tokenizer = new SpmTokenizer(loaded.tokenizer);
    const state = createRunState(model.config);
    return Promise.resolve(requests.map((request) => {
      const p = predict(model, tokenizer, request, { answer: false, maxTokens: MAX_INTENT_TOKENS, state });
      return { intent: p.intent, confidence: p.confidence, text: p.intentText };
    }));
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
