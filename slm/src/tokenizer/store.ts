/** TokenizerData on disk: plain JSON (slm/data/tokenizer.json), validated when read. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { TokenizerData } from '../types';
import { SpmTokenizer, validateTokenizerData } from './spm';

export function saveTokenizer(path: string, data: TokenizerData): void {
  // One token per line keeps the file diffable.
  const list = (items: readonly (string | number)[]) => `[\n    ${items.map((x) => JSON.stringify(x)).join(',\n    ')}\n  ]`;
  const text = [
    '{',
    `  "bos": ${data.bos}, "eos": ${data.eos}, "unk": ${data.unk}, "pad": ${data.pad}, "addSpacePrefix": ${data.addSpacePrefix},`,
    `  "tokens": ${list(data.tokens)},`,
    `  "scores": ${list(data.scores)},`,
    `  "types": ${list(data.types)}`,
    '}',
  ].join('\n');
  writeFileSync(path, text + '\n');
}

export function loadTokenizerData(path: string): TokenizerData {
  let data: TokenizerData;
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as TokenizerData;
  } catch (error) {
    throw new Error(`${path}: not a tokenizer file (${error instanceof Error ? error.message : String(error)}); rebuild it with "auton slm data"`);
  }
  try {
    validateTokenizerData(data);
  } catch (error) {
    throw new Error(`${path}: ${error instanceof Error ? error.message : String(error)}; rebuild it with "auton slm data"`);
  }
  return data;
}

export function loadTokenizer(path: string): SpmTokenizer {
  return new SpmTokenizer(loadTokenizerData(path));
}
