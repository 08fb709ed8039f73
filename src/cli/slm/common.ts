/** Helpers shared by the `auton slm` subcommands. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../kernel';

/** The repository holding slm/ (default paths are relative to it): the nearest folder upward, else the current one. */
export function repoRoot(start = process.cwd()): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'slm', 'configs'))) return dir;
    if (dirname(dir) === dir) return resolve(start);
  }
}

export function positiveWhole(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${what} must be a positive whole number, got "${value}"`);
  return n;
}
