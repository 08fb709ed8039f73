/**
 * Runs a rule set on a request: each intent's score is its prior plus the weights of the
 * statements that fire (a keyword statement fires once if any of its phrases occurs; "if"
 * runs the block of the first true branch). The highest score wins, ties going to the earlier
 * intent of the INTENTS list; when no intent scores above zero, the fallback intent (if any)
 * wins. Confidence is the winner's softmax probability over the declared intents' scores
 * divided by the temperature.
 */
import { INTENTS, type Intent } from '../types';
import { type Keyword, type RuleSet, type StmtRow, WEIGHT_SCALE } from './compile';
import { normalizeRequest } from './normalize';
import { isWordByte, searchProgram } from './regex';

export interface Classification {
  intent: Intent;
  confidence: number;
  scores: Record<Intent, number>;
}

/** Whether a keyword occurs in the normalised text at word boundaries. */
export function keywordMatches(keyword: Keyword, text: Buffer): boolean {
  const phrase = keyword.bytes;
  if (phrase.length === 0) return false;
  const haystack = text;
  const firstWord = isWordByte(phrase[0] as number);
  const lastWord = isWordByte(phrase[phrase.length - 1] as number);
  for (let at = haystack.indexOf(phrase); at >= 0; at = haystack.indexOf(phrase, at + 1)) {
    const end = at + phrase.length;
    const leftOk = at === 0 || !firstWord || !isWordByte(text[at - 1] as number);
    const rightOk = keyword.prefix || end === text.length || !lastWord || !isWordByte(text[end] as number);
    if (leftOk && rightOk) return true;
  }
  return false;
}

class Evaluation {
  private readonly keywordHits: (boolean | undefined)[] = [];
  private readonly patternHits: (boolean | undefined)[] = [];

  constructor(private readonly rules: RuleSet, private readonly text: Buffer) {}

  private keyword(k: number): boolean {
    return (this.keywordHits[k] ??= keywordMatches(this.rules.keywords[k] as Keyword, this.text));
  }

  private anyKeyword(first: number, count: number): boolean {
    for (let k = first; k < first + count; k++) if (this.keyword(k)) return true;
    return false;
  }

  private pattern(p: number): boolean {
    return (this.patternHits[p] ??= searchProgram((this.rules.patterns[p] as RuleSet['patterns'][number]).program, this.text));
  }

  cond(c: number): boolean {
    const row = this.rules.conds[c] as RuleSet['conds'][number];
    switch (row.op) {
      case 'has': return this.anyKeyword(row.a, row.b);
      case 'matches': return this.pattern(row.a);
      case 'not': return !this.cond(row.a);
      case 'and': return this.cond(row.a) && this.cond(row.b);
      case 'or': return this.cond(row.a) || this.cond(row.b);
    }
  }

  block(first: number, count: number): number {
    let score = 0;
    for (let s = first; s < first + count; s++) {
      const row = this.rules.stmts[s] as StmtRow;
      switch (row.op) {
        case 'add':
          score += row.weight;
          break;
        case 'keyword':
          if (this.anyKeyword(row.a, row.b)) score += row.weight;
          break;
        case 'pattern':
          if (this.pattern(row.a)) score += row.weight;
          break;
        case 'if':
          score += this.cond(row.a) ? this.block(row.b, row.c) : this.block(row.d, row.e);
          break;
      }
    }
    return score;
  }
}

/** Scores in thousandths, per intent (undeclared intents: null). */
export function rawScores(rules: RuleSet, text: string): (number | null)[] {
  const run = new Evaluation(rules, normalizeRequest(text));
  return rules.intents.map((row) => (row.declared ? row.prior + run.block(row.first, row.count) : null));
}

export function classify(rules: RuleSet, text: string): Classification {
  const raw = rawScores(rules, text);
  let best = -1;
  raw.forEach((score, i) => {
    if (score !== null && (best < 0 || score > (raw[best] as number))) best = i;
  });
  if (best < 0) throw new Error('the rule set declares no intent');
  if ((raw[best] as number) <= 0 && rules.fallback >= 0 && raw[rules.fallback] !== null) best = rules.fallback;
  const temperature = rules.temperature / WEIGHT_SCALE;
  const declared = raw.filter((s): s is number => s !== null);
  const max = Math.max(...declared);
  const sum = declared.reduce((acc, s) => acc + Math.exp((s - max) / WEIGHT_SCALE / temperature), 0);
  const confidence = Math.exp(((raw[best] as number) - max) / WEIGHT_SCALE / temperature) / sum;
  const scores = Object.fromEntries(INTENTS.map((intent, i) => [intent, (raw[i] ?? 0) / WEIGHT_SCALE])) as Record<Intent, number>;
  return { intent: INTENTS[best] as Intent, confidence, scores };
}
