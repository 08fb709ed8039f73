/** Scores: accuracy, the intent confusion table, answer matching. */
import { type Intent, INTENTS } from '../types';

/** counts[gold][predicted]; predicted "none" when the model named no intent. */
export type Confusion = Record<Intent, Record<Intent | 'none', number>>;

export function emptyConfusion(): Confusion {
  const row = (): Record<Intent | 'none', number> => Object.fromEntries([...INTENTS, 'none'].map((k) => [k, 0])) as Record<Intent | 'none', number>;
  return Object.fromEntries(INTENTS.map((i) => [i, row()])) as Confusion;
}

export function confusionAccuracy(c: Confusion): { correct: number; total: number; accuracy: number } {
  let correct = 0;
  let total = 0;
  for (const gold of INTENTS) {
    for (const [pred, n] of Object.entries(c[gold])) {
      total += n;
      if (pred === gold) correct += n;
    }
  }
  return { correct, total, accuracy: total ? correct / total : 0 };
}

const SHORT: Record<Intent | 'none', string> = {
  HARDWARE_IDENTIFY: 'HW', DRIVER_SELECT: 'DRV', INSTALL_CONFIGURE: 'INST', APP_INSTALL: 'APP', SYSTEM_MANAGE: 'SYS', TROUBLESHOOT: 'TRBL', none: 'none',
};

/** Rows: the gold intent; columns: what the model said; last column: recall of the row. */
export function formatConfusion(c: Confusion): string {
  const cols = [...INTENTS, 'none'] as const;
  const head = `${'gold \\ predicted'.padEnd(18)}${cols.map((k) => SHORT[k].padStart(6)).join('')}  recall`;
  const lines = INTENTS.map((gold) => {
    const row = c[gold];
    const total = cols.reduce((a, k) => a + row[k], 0);
    const recall = total ? `${((100 * row[gold]) / total).toFixed(1)}%` : '-';
    return `${gold.padEnd(18)}${cols.map((k) => String(row[k]).padStart(6)).join('')}  ${recall.padStart(6)}`;
  });
  return [head, ...lines].join('\n');
}

/** Answers compare case-insensitively with runs of spaces and a final period ignored. */
export function normalizeAnswer(s: string): string {
  return s.toLowerCase().replace(/\s+/g, ' ').replace(/[.\s]+$/, '').trim();
}

export function answerMatches(predicted: string, gold: string): boolean {
  return normalizeAnswer(predicted) === normalizeAnswer(gold);
}

/** Token-level F1 of the answer words: partial credit where exact match gives none. */
export function answerF1(predicted: string, gold: string): number {
  const p = normalizeAnswer(predicted).split(' ').filter(Boolean);
  const g = normalizeAnswer(gold).split(' ').filter(Boolean);
  if (!p.length || !g.length) return p.length === g.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const w of g) counts.set(w, (counts.get(w) ?? 0) + 1);
  let common = 0;
  for (const w of p) {
    const n = counts.get(w) ?? 0;
    if (n > 0) {
      common++;
      counts.set(w, n - 1);
    }
  }
  if (!common) return 0;
  const precision = common / p.length;
  const recall = common / g.length;
  return (2 * precision * recall) / (precision + recall);
}
