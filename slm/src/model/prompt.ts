/**
 * The text format the model learns, and reading its completions back:
 *   <s>### request: REQUEST\n### intent: INTENT\n### answer: ANSWER</s>
 * Inference feeds everything up to and including "### intent:" (no trailing space: the SPM
 * tokenizer glues a space to the word after it, so "▁INTENT" is what follows in training) and
 * reads the intent line and the answer line from what the model writes.
 */
import { type Example, type Intent, INTENTS, type Tokenizer } from '../types';
import { ANSWER_PREFIX, exampleText, intentPrompt } from '../data/prompt';

/** What separates the intent from the answer (the space after it belongs to the answer's first piece). */
export const ANSWER_TAG = ANSWER_PREFIX.trimEnd();

/**
 * The request as the model reads it: one line, lower case. Case carries no intent, and folding
 * it means "Goran", "goran" and "GORAN" are the same tokens, so fewer words are unseen.
 */
export function requestText(request: string): string {
  return oneLine(request).toLowerCase();
}

/** Everything the model sees before it classifies. */
export function formatPrompt(request: string): string {
  return intentPrompt(requestText(request)).trimEnd();
}

/** The whole training text of an example (BOS/EOS are added as token ids, not text). */
export function formatExample(e: Pick<Example, 'request' | 'intent' | 'answer'>): string {
  return exampleText({ request: requestText(e.request), intent: e.intent, answer: oneLine(e.answer) });
}

/** Requests and answers are single lines: a newline would forge a tag. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

export interface Completion {
  intent: Intent | undefined;
  intentText: string;
  answer: string;
}

/** Reads " INTENT\n### answer: ANSWER" (what follows the prompt) back. */
export function parseCompletion(text: string): Completion {
  const answerAt = text.indexOf(ANSWER_TAG);
  const intentText = (answerAt >= 0 ? text.slice(0, answerAt) : text.split('\n')[0]!).trim();
  const answer = answerAt >= 0 ? text.slice(answerAt + ANSWER_TAG.length).split('\n')[0]!.trim() : '';
  return { intent: toIntent(intentText), intentText, answer };
}

/** The intent a generated text names: exact, else the one it starts or is a prefix of. */
export function toIntent(text: string): Intent | undefined {
  const t = text.trim().toUpperCase();
  const exact = INTENTS.find((i) => i === t);
  if (exact) return exact;
  if (t.length < 3) return undefined;
  return INTENTS.find((i) => t.startsWith(i)) ?? INTENTS.find((i) => i.startsWith(t));
}

export interface EncodedExample {
  ids: number[];
  /** Index in ids of the first token the loss scores: the first one after the prompt. */
  lossFrom: number;
  /** Index just past the intent name's tokens (what classification reads); absent: lossFrom + 1. */
  intentEnd?: number;
}

/**
 * Token ids of an example and where its answer part starts. The prompt's ids must be a prefix of
 * the example's ids (so the model sees at inference exactly the tokens it trained on); a
 * tokenizer that merges across "intent:" and the space after it breaks that and is an error.
 */
export function encodeExample(tok: Tokenizer, e: Pick<Example, 'request' | 'intent' | 'answer'>): EncodedExample {
  const ids = tok.encode(formatExample(e), { bos: true, eos: true });
  const prompt = tok.encode(formatPrompt(e.request), { bos: true });
  for (let i = 0; i < prompt.length; i++) {
    if (ids[i] !== prompt[i]) {
      throw new Error(`the tokenizer splits "${formatPrompt(e.request)}" differently alone than inside its example: ` +
        'its vocabulary merges across the "### intent:" boundary; retrain it with whitespace-prefixed pieces');
    }
  }
  const withIntent = tok.encode(`${formatPrompt(e.request)} ${e.intent}`, { bos: true });
  const intentEnd = withIntent.every((id, i) => ids[i] === id) ? withIntent.length : prompt.length + 1;
  return { ids, lossFrom: prompt.length, intentEnd };
}
