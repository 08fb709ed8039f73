/**
 * BPE training for the SPM vocabulary. Texts are prepared exactly as the encoder sees them
 * (leading space, spaces as U+2581) and cut into words at U+2581 and newlines; merges never
 * cross a word boundary. Learned merge k becomes a token with score -k, so the encoder's greedy
 * "highest score first" replays the merges in the order they were learned. Characters the
 * corpus uses become tokens too; anything else falls back to the 256 byte tokens.
 *
 * Vocabulary layout (llama's): 0 <unk>, 1 <s>, 2 </s>, 3..258 <0x00>..<0xFF>, then characters
 * by frequency, then merges in order.
 */
import type { TokenizerData } from '../types';
import { byteTokenText, TOKEN_TYPE } from './spm';

export interface BpeOptions {
  vocabSize: number; // total, specials and bytes included
  minPairCount?: number; // a pair must occur this often to be merged (default 2)
  splitDigits?: boolean; // never merge digits (ids and numbers stay one digit per token; default true)
  addSpacePrefix?: boolean; // default true, as llama
}

export const SPECIAL_TOKENS = ['<unk>', '<s>', '</s>'] as const;
export const MIN_VOCAB = SPECIAL_TOKENS.length + 256 + 1;
const CHAR_SCORE_BASE = -1_000_000; // below every merge; a single character is never a merge result

const WORD = /\n+|\u2581[^\u2581\n]*|[^\u2581\n]+/gu;

interface Word {
  symbols: number[];
  count: number;
}

/** The words a text is cut into for training. */
export function trainingWords(text: string, addSpacePrefix = true): string[] {
  const escaped = ((addSpacePrefix && text.length > 0 ? ' ' : '') + text).replace(/ /g, '\u2581');
  return escaped.match(WORD) ?? [];
}

export function trainBpe(texts: Iterable<string>, options: BpeOptions): TokenizerData {
  const { vocabSize, minPairCount = 2, splitDigits = true, addSpacePrefix = true } = options;
  if (!Number.isInteger(vocabSize) || vocabSize < MIN_VOCAB) {
    throw new Error(`tokenizer: a vocabulary needs at least ${MIN_VOCAB} tokens (3 special, 256 bytes, 1 character); got ${vocabSize}`);
  }
  const tokens: string[] = [...SPECIAL_TOKENS];
  const types: number[] = [TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control];
  const scores: number[] = [0, 0, 0];
  for (let b = 0; b < 256; b++) {
    tokens.push(byteTokenText(b));
    types.push(TOKEN_TYPE.byte);
    scores.push(0);
  }
  const taken = new Set(tokens);

  // Word frequencies, then character frequencies.
  const wordCounts = new Map<string, number>();
  for (const text of texts) {
    for (const w of trainingWords(text, addSpacePrefix)) wordCounts.set(w, (wordCounts.get(w) ?? 0) + 1);
  }
  const charCounts = new Map<string, number>();
  for (const [w, c] of wordCounts) for (const ch of w) charCounts.set(ch, (charCounts.get(ch) ?? 0) + c);
  charCounts.set('\u2581', (charCounts.get('\u2581') ?? 0) + 1); // spaces must never fall back to bytes
  const chars = [...charCounts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([ch]) => ch)
    .filter((ch) => !taken.has(ch));
  const room = vocabSize - tokens.length;
  const kept = chars.slice(0, room);
  kept.forEach((ch, i) => {
    tokens.push(ch);
    types.push(TOKEN_TYPE.normal);
    scores.push(CHAR_SCORE_BASE - i);
    taken.add(ch);
  });

  // Symbols: integer ids for strings; -1 marks a character without a token (a merge barrier).
  const symbolIds = new Map<string, number>();
  const symbolText: string[] = [];
  const symbol = (text: string): number => {
    let id = symbolIds.get(text);
    if (id === undefined) {
      id = symbolText.length;
      symbolIds.set(text, id);
      symbolText.push(text);
    }
    return id;
  };
  const keptSet = new Set(kept);
  const words: Word[] = [...wordCounts].map(([w, count]) => ({
    symbols: [...w].map((ch) => (keptSet.has(ch) ? symbol(ch) : -1)),
    count,
  }));

  const digit = /\p{Nd}/u;
  const mergeable = (a: number, b: number) =>
    a >= 0 && b >= 0 && !(splitDigits && (digit.test(symbolText[a] as string) || digit.test(symbolText[b] as string)));
  const key = (a: number, b: number) => a * 0x100000 + b;
  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addWord = (index: number, sign: 1 | -1): void => {
    const w = words[index] as Word;
    for (let i = 0; i + 1 < w.symbols.length; i++) {
      const [a, b] = [w.symbols[i] as number, w.symbols[i + 1] as number];
      if (!mergeable(a, b)) continue;
      const k = key(a, b);
      const count = (pairCounts.get(k) ?? 0) + sign * w.count;
      if (count === 0) pairCounts.delete(k);
      else pairCounts.set(k, count);
      if (sign > 0) {
        let set = pairWords.get(k);
        if (!set) pairWords.set(k, (set = new Set()));
        set.add(index);
      }
    }
  };
  words.forEach((_, i) => addWord(i, 1));

  let merges = 0;
  while (tokens.length < vocabSize) {
    // The most frequent pair; ties go to the smaller merged text, then the smaller left part.
    let best = -1;
    let bestCount = minPairCount - 1;
    let bestText = '';
    for (const [k, count] of pairCounts) {
      if (count < bestCount || count < minPairCount) continue;
      const text = (symbolText[Math.floor(k / 0x100000)] as string) + (symbolText[k % 0x100000] as string);
      if (count > bestCount || text < bestText || (text === bestText && k < best)) {
        best = k;
        bestCount = count;
        bestText = text;
      }
    }
    if (best < 0) break;
    const [a, b] = [Math.floor(best / 0x100000), best % 0x100000];
    const merged = symbol(bestText);
    if (merged >= 0x100000) throw new Error('tokenizer: too many distinct symbols while training');
    if (!taken.has(bestText)) {
      tokens.push(bestText);
      types.push(TOKEN_TYPE.normal);
      scores.push(0 - merges); // not -merges: the first merge would score -0
      taken.add(bestText);
      merges++;
    }
    for (const index of pairWords.get(best) ?? []) {
      const w = words[index] as Word;
      addWord(index, -1);
      const next: number[] = [];
      for (let i = 0; i < w.symbols.length; i++) {
        if (i + 1 < w.symbols.length && w.symbols[i] === a && w.symbols[i + 1] === b) {
          next.push(merged);
          i++;
        } else next.push(w.symbols[i] as number);
      }
      w.symbols = next;
      addWord(index, 1);
    }
    pairCounts.delete(best);
    pairWords.delete(best);
  }
  return { tokens, scores, types, bos: 1, eos: 2, unk: 0, pad: 0, addSpacePrefix };
}
