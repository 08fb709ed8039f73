/** Reads every *.rules file of a folder (sorted by name) into one compiled rule set. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { compileRules, type RuleSet } from './compile';
import { parseRules } from './parser';

export function ruleFiles(dir: string): string[] {
  if (!existsSync(dir)) throw new Error(`no rules folder ${dir}: pass --rules DIR (the shipped rules are in slm/rules)`);
  const files = readdirSync(dir).filter((f) => f.endsWith('.rules')).sort().map((f) => join(dir, f));
  if (files.length === 0) throw new Error(`${dir} holds no .rules files`);
  return files;
}

/** Parses and compiles; errors name files relative to `base` (the repository root). */
export function loadRules(dir: string, base = process.cwd()): RuleSet {
  return compileRules(ruleFiles(dir).map((path) => parseRules(readFileSync(path, 'utf8'), relative(base, path) || path)));
}
