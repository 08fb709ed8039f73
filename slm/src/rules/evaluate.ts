/** Intent accuracy of the rules on labelled examples: overall, per intent, and the errors. */
import { INTENTS, type Example, type Intent } from '../types';
import type { RuleSet } from './compile';
import { classify } from './interpreter';

export interface RulesAccuracy {
  total: number;
  correct: number;
  accuracy: number;
  perIntent: Record<Intent, { total: number; correct: number; accuracy: number }>;
  confusion: Record<Intent, Record<Intent, number>>; // confusion[expected][predicted]
  errors: { request: string; expected: Intent; predicted: Intent; template: string }[];
}

export function evaluateRules(rules: RuleSet, examples: readonly Pick<Example, 'request' | 'intent' | 'template'>[]): RulesAccuracy {
  const zero = () => Object.fromEntries(INTENTS.map((i) => [i, 0])) as Record<Intent, number>;
  const confusion = Object.fromEntries(INTENTS.map((i) => [i, zero()])) as Record<Intent, Record<Intent, number>>;
  const errors: RulesAccuracy['errors'] = [];
  for (const e of examples) {
    const predicted = classify(rules, e.request).intent;
    confusion[e.intent][predicted]++;
    if (predicted !== e.intent) errors.push({ request: e.request, expected: e.intent, predicted, template: e.template });
  }
  const perIntent = Object.fromEntries(INTENTS.map((i) => {
    const total = INTENTS.reduce((s, p) => s + confusion[i][p], 0);
    const correct = confusion[i][i];
    return [i, { total, correct, accuracy: total === 0 ? 0 : correct / total }];
  })) as RulesAccuracy['perIntent'];
  const correct = examples.length - errors.length;
  return { total: examples.length, correct, accuracy: examples.length === 0 ? 0 : correct / examples.length, perIntent, confusion, errors };
}
