/** Scratch git repositories and tool contexts for the tools and workspace tests. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { EditRecord, ToolContext } from '../../../src/tools/types';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test User',
  GIT_AUTHOR_EMAIL: 'user@example.invalid',
  GIT_COMMITTER_NAME: 'Test User',
  GIT_COMMITTER_EMAIL: 'user@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};

/** Runs git in `cwd` as the test user (never through AUTON's code) and returns its output. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** A fresh folder (real path) removed by the returned cleanup. */
export function scratchDir(prefix: string): string {
  return realpathSync(mkdtempSync(join(tmpdir(), `auton-${prefix}-`)));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A git repository on branch main with `files` in one commit. */
export function makeRepo(prefix: string, files: Record<string, string>): string {
  const dir = scratchDir(prefix);
  git(dir, 'init', '-q', '-b', 'main');
  writeFiles(dir, files);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

/** A ToolContext for `root`, collecting the edits it records. */
export function context(root: string, role = 'developer', extra: Partial<ToolContext> = {}): ToolContext & { edits: EditRecord[] } {
  const edits: EditRecord[] = [];
  return { root, runId: 'run1', taskId: 'task1', role, arches: ['riscv64'], onEdit: (e) => edits.push(e), edits, ...extra };
}
