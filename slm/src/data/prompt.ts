/**
 * The text the model learns, as fixed by the pipeline's contract:
 * <s>### request: REQUEST\n### intent: INTENT\n### answer: ANSWER</s>
 * (<s> and </s> are the BOS/EOS tokens, added as ids, not as text).
 */
import type { Example } from '../types';

export const REQUEST_PREFIX = '### request: ';
export const INTENT_PREFIX = '\n### intent: ';
export const ANSWER_PREFIX = '\n### answer: ';

/** The prompt up to and including "### intent: " (what classification continues). */
export function intentPrompt(request: string): string {
  return REQUEST_PREFIX + request + INTENT_PREFIX;
}

/** The whole training text of an example, without BOS/EOS. */
export function exampleText(e: Pick<Example, 'request' | 'intent' | 'answer'>): string {
  return intentPrompt(e.request) + e.intent + ANSWER_PREFIX + e.answer;
}
