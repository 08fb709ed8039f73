/**
 * The evaluation report: per example set (test split, paraphrases), intent accuracy and its
 * confusion table, answer accuracy for the device and driver questions, perplexity of the
 * intent + answer tokens, and a few mistakes to read.
 */
import { type Example, type Intent, INTENTS, type Tokenizer } from '../types';
import { createRunState, type Model } from '../model/forward';
import { encodeExample } from '../model/prompt';
import { answerF1, answerMatches, type Confusion, confusionAccuracy, emptyConfusion, formatConfusion } from './metrics';
import { perplexity } from './perplexity';
import { predict } from './predict';

/** Intents whose answers are facts from the real sources (pci.ids, modules.alias), scored exactly. */
export const ANSWER_INTENTS: readonly Intent[] = ['HARDWARE_IDENTIFY', 'DRIVER_SELECT'];

export interface AnswerScore {
  correct: number;
  total: number;
  accuracy: number;
  meanF1: number;
}

export interface Mistake {
  request: string;
  gold: string;
  predicted: string;
}

export interface SetReport {
  name: string;
  examples: number;
  intent: { correct: number; total: number; accuracy: number; meanConfidence: number };
  confusion: Confusion;
  answers: Partial<Record<Intent, AnswerScore>>;
  perplexity?: { loss: number; perplexity: number; tokens: number };
  mistakes: Mistake[];
}

export interface EvalOptions {
  limit?: number; // examples per set, spread evenly over the set
  maxAnswerTokens?: number;
  perplexity?: boolean; // default true (needs examples with answers)
  onProgress?: (set: string, done: number, total: number) => void;
}

/** Every k-th example so a limit still covers every intent and template. */
function spread<T>(items: T[], limit?: number): T[] {
  if (!limit || items.length <= limit) return items;
  const step = items.length / limit;
  return Array.from({ length: limit }, (_, i) => items[Math.floor(i * step)]!);
}

export function evaluateSet(m: Model, tok: Tokenizer, name: string, all: Example[], o: EvalOptions = {}): SetReport {
  const examples = spread(all, o.limit);
  const confusion = emptyConfusion();
  const answers: Partial<Record<Intent, AnswerScore>> = {};
  const mistakes: Mistake[] = [];
  const state = createRunState(m.config);
  let confidence = 0;
  examples.forEach((e, i) => {
    const wantAnswer = ANSWER_INTENTS.includes(e.intent) && e.answer !== ''; // labelled requests have no answer to score
    const p = predict(m, tok, e.request, { answer: wantAnswer, maxTokens: wantAnswer ? (o.maxAnswerTokens ?? 64) : 12, state });
    confusion[e.intent][p.intent ?? 'none']++;
    confidence += p.confidence;
    if (p.intent !== e.intent && mistakes.length < 20) mistakes.push({ request: e.request, gold: e.intent, predicted: p.intentText });
    if (wantAnswer) {
      const s = (answers[e.intent] ??= { correct: 0, total: 0, accuracy: 0, meanF1: 0 });
      s.total++;
      if (answerMatches(p.answer, e.answer)) s.correct++;
      s.meanF1 += answerF1(p.answer, e.answer);
    }
    o.onProgress?.(name, i + 1, examples.length);
  });
  for (const s of Object.values(answers)) {
    s.accuracy = s.total ? s.correct / s.total : 0;
    s.meanF1 = s.total ? s.meanF1 / s.total : 0;
  }
  const acc = confusionAccuracy(confusion);
  const report: SetReport = {
    name,
    examples: examples.length,
    intent: { ...acc, meanConfidence: examples.length ? confidence / examples.length : 0 },
    confusion,
    answers,
    mistakes,
  };
  const withAnswers = examples.filter((e) => e.answer);
  if (o.perplexity !== false && withAnswers.length) {
    report.perplexity = perplexity(m, withAnswers.map((e) => encodeExample(tok, e)));
  }
  return report;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export function formatSetReport(r: SetReport): string {
  const lines = [`== ${r.name} (${r.examples} examples)`];
  lines.push(`intent accuracy   ${pct(r.intent.accuracy)} (${r.intent.correct}/${r.intent.total}), mean confidence ${r.intent.meanConfidence.toFixed(3)}`);
  if (r.perplexity) lines.push(`perplexity        ${r.perplexity.perplexity.toFixed(3)} (loss ${r.perplexity.loss.toFixed(4)} nats/token over ${r.perplexity.tokens} intent+answer tokens)`);
  for (const intent of INTENTS) {
    const a = r.answers[intent];
    if (a) lines.push(`answer accuracy   ${intent}: ${pct(a.accuracy)} exact (${a.correct}/${a.total}), mean word F1 ${a.meanF1.toFixed(3)}`);
  }
  lines.push('', formatConfusion(r.confusion));
  if (r.mistakes.length) {
    lines.push('', 'some mistakes:');
    for (const m of r.mistakes.slice(0, 8)) lines.push(`  [${m.gold} -> ${m.predicted || '?'}] ${m.request}`);
  }
  return lines.join('\n');
}
