/**
 * Leakage checks: no template, device or catalogue entity may appear in two of train,
 * validation and test, and the paraphrase set may share none of them with training.
 */
import type { Example } from '../types';

export interface LeakageReport {
  problems: string[]; // empty when the splits are clean
}

type Named = Record<string, readonly Pick<Example, 'template' | 'device'>[]>;

function keysOf(list: readonly Pick<Example, 'template' | 'device'>[], field: 'template' | 'device'): Set<string> {
  const keys = new Set<string>();
  for (const e of list) {
    const value = e[field];
    if (value !== undefined) keys.add(value);
  }
  return keys;
}

/** Compares every pair of named sets on templates, devices and (when given) entity keys. */
export function checkLeakage(sets: Named, entities?: Record<string, readonly (string | null)[]>): LeakageReport {
  const problems: string[] = [];
  const names = Object.keys(sets);
  const describe = (what: string, a: string, b: string, shared: string[]) =>
    `${shared.length} ${what} in both ${a} and ${b} (e.g. ${shared.slice(0, 3).join(', ')})`;
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const [a, b] = [names[i] as string, names[j] as string];
      for (const field of ['template', 'device'] as const) {
        const other = keysOf(sets[b] ?? [], field);
        const shared = [...keysOf(sets[a] ?? [], field)].filter((k) => other.has(k));
        if (shared.length > 0) problems.push(describe(`${field}s`, a, b, shared));
      }
      if (entities) {
        const other = new Set(entities[b] ?? []);
        const shared = [...new Set(entities[a] ?? [])].filter((k): k is string => k !== null && other.has(k));
        if (shared.length > 0) problems.push(describe('entities', a, b, shared));
      }
    }
  }
  return { problems };
}
