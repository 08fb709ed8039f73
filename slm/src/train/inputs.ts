/**
 * The dataset folder "auton slm data" writes, read for training and evaluation: the example
 * sets as JSON lines and the tokenizer, with a fingerprint of what training depends on.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Example, Tokenizer } from '../types';
import { readJsonl } from '../data/jsonl';
import { loadTokenizer } from '../tokenizer/store';

export const SET_NAMES = ['train', 'validation', 'test', 'paraphrase'] as const;
export type SetName = (typeof SET_NAMES)[number];

export function setFile(dir: string, set: SetName): string {
  return join(dir, `${set}.jsonl`);
}

export const tokenizerFile = (dir: string): string => join(dir, 'tokenizer.json');

function need(file: string): string {
  if (!existsSync(file)) throw new Error(`${file} is missing: build the dataset first with "auton slm data"`);
  return file;
}

export function readSet(dir: string, set: SetName): Example[] {
  return readJsonl(need(setFile(dir, set)));
}

export function readTokenizer(dir: string): Tokenizer {
  return loadTokenizer(need(tokenizerFile(dir)));
}

/** SHA-256 over the training sets and the tokenizer: a resumed run must see the same ones. */
export function dataFingerprint(dir: string, sets: SetName[] = ['train']): string {
  const h = createHash('sha256');
  for (const file of [...sets.map((s) => setFile(dir, s)), tokenizerFile(dir)]) h.update(readFileSync(need(file)));
  return h.digest('hex').slice(0, 16);
}
