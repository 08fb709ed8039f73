/** Examples as JSON Lines: one Example object per line, fields in the contract's order. */
import { readFileSync } from 'node:fs';
import { type Example, INTENTS } from '../types';

export function toJsonl(examples: readonly Example[]): string {
  return examples.map((e) => JSON.stringify({
    id: e.id, intent: e.intent, request: e.request, answer: e.answer, source: e.source, template: e.template,
    ...(e.device === undefined ? {} : { device: e.device }), split: e.split,
  })).join('\n') + (examples.length > 0 ? '\n' : '');
}

/**
 * Reads a JSONL file of examples (or of labelled requests: request and intent, no answer); a
 * malformed line is an error naming the file and line.
 */
export function readJsonl(path: string): Example[] {
  const out: Example[] = [];
  readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new Error(`${path}:${i + 1}: not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    const e = value as Partial<Example>;
    if (typeof e.request !== 'string' || (e.answer !== undefined && typeof e.answer !== 'string') || !INTENTS.includes(e.intent as never)) {
      throw new Error(`${path}:${i + 1}: not an example (needs request, one of the intents ${INTENTS.join(', ')} and, if given, a string answer)`);
    }
    // A labelled request without an answer (a hand-written evaluation set such as slm/dev/wild.jsonl).
    out.push(e.answer === undefined ? ({ id: `line-${i + 1}`, source: 'hand-written', template: '', split: 'test', ...e, answer: '' } as Example) : (e as Example));
  });
  return out;
}
