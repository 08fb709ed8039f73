/**
 * Git as AUTON runs it (simple-git): hooks and signing off so nothing of the user's set-up
 * runs or waits in the background, a fixed identity, and a diff of a worktree that includes its
 * uncommitted and new files without touching its index.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';

/** Who AUTON commits and merges as: `AUTON <role>`. */
export function autonIdentity(role: string): { name: string; email: string } {
  return { name: `AUTON ${role}`, email: `${role.replace(/[^A-Za-z0-9._-]/g, '-')}@auton.invalid` };
}

/**
 * simple-git in `dir`. The user's hooks never run (a pre-commit hook could format, or refuse,
 * AUTON's commits), commits are not signed (a signing prompt would hang), and committer identity is
 * AUTON's so commits work on machines without a git identity.
 */
export function gitAt(dir: string, role = 'engine', env?: Record<string, string>): SimpleGit {
  const git = simpleGit({
    baseDir: dir,
    // The one "unsafe" option: it points hooks at /dev/null, which runs none.
    unsafe: { allowUnsafeHooksPath: true },
    allowEnvironment: ['GIT_TERMINAL_PROMPT', 'GIT_INDEX_FILE'],
    config: gitConfig(role),
  });
  return git.env({ ...baseEnv(), ...env });
}

function gitConfig(role: string): string[] {
  const who = autonIdentity(role);
  return [
    'core.hooksPath=/dev/null',
    'commit.gpgsign=false',
    'tag.gpgsign=false',
    'core.quotepath=false',
    `user.name=${who.name}`,
    `user.email=${who.email}`,
    'merge.conflictstyle=merge',
  ];
}

/**
 * The exit status of a git command whose answer is its status (`merge-base --is-ancestor`,
 * `show-ref --verify`): simple-git resolves a failing command that printed nothing on stderr,
 * so it cannot tell these apart. A status above 1 is an error and rejects with git's message.
 */
export function gitExitCode(dir: string, args: string[]): Promise<0 | 1> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', [...gitConfig('engine').flatMap((c) => ['-c', c]), ...args], {
      cwd: dir,
      env: baseEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 || code === 1) resolvePromise(code);
      else reject(new Error(`git ${args.join(' ')} failed (${code}): ${stderr.trim()}`));
    });
  });
}

/**
 * The environment git runs with: what it needs to find itself and the user's global settings,
 * and nothing that would redirect it (an inherited GIT_DIR or GIT_INDEX_FILE would make it work
 * on another repository or index than the one asked).
 */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0' };
  for (const key of ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TMPDIR', 'SYSTEMROOT', 'XDG_CONFIG_HOME']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

export interface DiffFile {
  /** A, M, D, R (renamed), ... as `git diff --name-status` says. */
  status: string;
  path: string;
}

export interface WorktreeDiff {
  base: string;
  files: DiffFile[];
  /** `git diff --stat` */
  stat: string;
  /** Unified diff. */
  patch: string;
}

export interface DiffOptions {
  /** Binary files' contents too (`--binary`), so the patch can be applied; agents' prompts leave them out. */
  binary?: boolean;
}

/**
 * The worktree's content (committed, uncommitted and untracked-but-not-ignored files) against
 * `baseRef`. A throwaway copy of the index is used, so the worktree's own index is left as it was.
 */
export async function worktreeDiff(worktreePath: string, baseRef: string, paths: string[] = [], options: DiffOptions = {}): Promise<WorktreeDiff> {
  const git = gitAt(worktreePath);
  const base = (await git.revparse([`${baseRef}^{commit}`])).trim();
  const indexPath = (await git.revparse(['--git-path', 'index'])).trim();
  const realIndex = isAbsolute(indexPath) ? indexPath : resolve(worktreePath, indexPath);
  const scratch = mkdtempSync(join(tmpdir(), 'auton-index-'));
  const tempIndex = join(scratch, 'index');
  try {
    if (existsSync(realIndex)) copyFileSync(realIndex, tempIndex);
    const staged = gitAt(worktreePath, 'engine', { GIT_INDEX_FILE: tempIndex });
    await staged.raw(['add', '-A', '--', '.']);
    const spec = ['--cached', '--no-color', '--no-ext-diff', '--find-renames', base, '--', ...paths];
    const [nameStatus, stat, patch] = await Promise.all([
      staged.raw(['diff', '--name-status', ...spec]),
      staged.raw(['diff', '--stat=120', ...spec]),
      staged.raw(['diff', ...(options.binary ? ['--binary'] : []), ...spec]),
    ]);
    const files = nameStatus
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [status = '', ...rest] = line.split('\t');
        return { status: status.charAt(0), path: rest[rest.length - 1] ?? '' };
      });
    return { base, files, stat: stat.trimEnd(), patch };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
