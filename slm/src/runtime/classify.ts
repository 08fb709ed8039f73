/**
 * The neural classifier behind `auton slm classify --backend neural`: eval/predict.ts (greedy
 * decoding of the intent line, confidence = probability of the first intent token) on a GGUF.
 */
import { createRunState } from '../model/forward';
import { predict } from '../eval/predict';
import type { Intent } from '../types';
import { openAuton } from './auton';
import { openTokenizer } from './tokenizer';

export interface NeuralClassification {
  intent: Intent | undefined;
  confidence: number;
  /** What the model wrote after "### intent:". */
  text: string;
}

/** Enough for any intent name even spelled byte by byte. */
const MAX_INTENT_TOKENS = 24;

export async function classifyNeural(modelFile: string, requests: readonly string[]): Promise<NeuralClassification[]> {
  const { model } = openAuton(modelFile);
  const tokenizer = await openTokenizer(modelFile);
  try {
    const state = createRunState(model.config);
    return requests.map((request) => {
      const p = predict(model, tokenizer, request, { answer: false, maxTokens: MAX_INTENT_TOKENS, state });
      return { intent: p.intent, confidence: p.confidence, text: p.intentText };
    });
  } finally {
    await tokenizer.dispose();
  }
}
