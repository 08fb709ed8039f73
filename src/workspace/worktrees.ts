/**
 * Where agents work: per run an integration branch `auton/<run>/integration` (checked out in
 * `.auton/worktrees/<run>/_integration`), per task a worktree `.auton/worktrees/<run>/<task>` on
 * branch `auton/<run>/<task>`. Tasks merge into the integration branch; a conflict aborts the
 * merge and is reported. The user's checkout (HEAD, branch, index, uncommitted and untracked
 * files) is never touched: AUTON only creates branches and changes files under
 * `.auton/worktrees/`, which it keeps out of `git status` through `.git/info/exclude`.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { isWithin } from '../tools/sandbox';
import { autonIdentity, type DiffOptions, gitAt, gitExitCode, worktreeDiff, type WorktreeDiff } from './git';

export const WORKTREES_DIR = join('.auton', 'worktrees');
export const INTEGRATION_DIR = '_integration';

export interface RunWorkspace {
  runId: string;
  /** Commit the integration branch started from. */
  base: string;
  integrationBranch: string;
  createdAt: string;
}

export interface TaskWorktree {
  runId: string;
  taskId: string;
  path: string;
  branch: string;
  /** Commit the task branch started from (its merge base with the branch it came from). */
  base: string;
  /** True when an existing worktree was picked up again (resume). */
  reused: boolean;
}

export type MergeResult = { ok: true; commit: string } | { ok: false; conflicts: string[] };

export interface CleanupResult {
  removedWorktrees: string[];
  deletedBranches: string[];
  /** Branches left in place, with the reason (e.g. checked out by the user). */
  keptBranches: string[];
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class Workspace {
  /** Repository-wide operations (branches, worktree add/remove) run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    /** Top level of the user's repository. */
    readonly root: string,
    private readonly git: SimpleGit,
  ) {}

  /** Opens the repository at (or above) `repoRoot`, which must have at least one commit. */
  static async open(repoRoot: string): Promise<Workspace> {
    if (!existsSync(repoRoot)) throw new Error(`${repoRoot} does not exist: open the folder of a git repository`);
    let root: string;
    try {
      root = (await gitAt(repoRoot).revparse(['--show-toplevel'])).trim();
    } catch {
      throw new Error(
        `${repoRoot} is not inside a git repository: AUTON works on branches and worktrees, so run ` +
          '`git init && git add -A && git commit -m "initial"` there first',
      );
    }
    const git = gitAt(root);
    if (!(await git.revparse(['--verify', '--quiet', 'HEAD^{commit}']).catch(() => '')).trim()) {
      throw new Error(
        `the repository at ${root} has no commit yet: AUTON branches from a commit, so commit once first ` +
          '(`git add -A && git commit -m "initial"`)',
      );
    }
    const workspace = new Workspace(realpathSync(root), git);
    await workspace.excludeAutonFolder();
    return workspace;
  }

  /** `.auton/worktrees` of this repository. */
  get worktreesRoot(): string {
    return join(this.root, WORKTREES_DIR);
  }

  integrationBranch(runId: string): string {
    return `auton/${checkId(runId, 'run id')}/integration`;
  }

  taskBranch(runId: string, taskId: string): string {
    return `auton/${checkId(runId, 'run id')}/${checkTaskId(taskId)}`;
  }

  integrationPath(runId: string): string {
    return join(this.worktreesRoot, checkId(runId, 'run id'), INTEGRATION_DIR);
  }

  taskPath(runId: string, taskId: string): string {
    return join(this.worktreesRoot, checkId(runId, 'run id'), checkTaskId(taskId));
  }

  /**
   * Creates `auton/<run>/integration` at `baseRef` (default HEAD) and records the base commit; on
   * resume the existing branch and its recorded base are returned. HEAD is not moved.
   */
  createIntegrationBranch(runId: string, baseRef = 'HEAD'): Promise<RunWorkspace> {
    return this.serial(async () => {
      const branch = this.integrationBranch(runId);
      const recorded = this.readRunRecord(runId);
      if (await this.branchExists(branch)) {
        if (recorded) return recorded;
        const base = (await this.git.raw(['merge-base', branch, baseRef])).trim();
        return this.writeRunRecord({ runId, base, integrationBranch: branch, createdAt: new Date().toISOString() });
      }
      const base = await this.commitOf(baseRef);
      await this.git.raw(['branch', branch, base]);
      return this.writeRunRecord({ runId, base, integrationBranch: branch, createdAt: new Date().toISOString() });
    });
  }

  /** What createIntegrationBranch recorded for a run, if anything. */
  runWorkspace(runId: string): RunWorkspace | undefined {
    return this.readRunRecord(runId);
  }

  /** The worktree of the integration branch, created on first use. */
  integrationWorktree(runId: string): Promise<string> {
    return this.serial(async () => {
      const path = this.integrationPath(runId);
      const branch = this.integrationBranch(runId);
      if (await this.isWorktreeOn(path, branch)) return path;
      if (!(await this.branchExists(branch))) {
        throw new Error(`run ${runId} has no integration branch ${branch}: call createIntegrationBranch first`);
      }
      await this.addWorktree(path, branch);
      return path;
    });
  }

  /**
   * The worktree of a task on `auton/<run>/<task>`, branched from `fromBranch`; an existing one
   * (resume) is reused as it is.
   */
  createTaskWorktree(runId: string, taskId: string, fromBranch: string): Promise<TaskWorktree> {
    return this.serial(async () => {
      const path = this.taskPath(runId, taskId);
      const branch = this.taskBranch(runId, taskId);
      const result = (base: string, reused: boolean): TaskWorktree => ({ runId, taskId, path, branch, base, reused });
      if (await this.isWorktreeOn(path, branch)) {
        return result((await this.git.raw(['merge-base', branch, fromBranch])).trim(), true);
      }
      if (await this.branchExists(branch)) {
        await this.addWorktree(path, branch);
        return result((await this.git.raw(['merge-base', branch, fromBranch])).trim(), true);
      }
      const base = await this.commitOf(fromBranch);
      await this.addWorktree(path, branch, base);
      return result(base, false);
    });
  }

  /** Commits everything in the worktree as `AUTON <role>`; null when nothing changed. */
  async commitAll(worktreePath: string, message: string, role: string): Promise<string | null> {
    const git = gitAt(this.managed(worktreePath, 'commit in'), role);
    await git.raw(['add', '-A', '--', '.']);
    const staged = await git.raw(['diff', '--cached', '--name-only']);
    if (!staged.trim()) return null;
    const who = autonIdentity(role);
    await git.raw(['commit', '--quiet', '--no-verify', `--author=${who.name} <${who.email}>`, '-m', message]);
    return (await git.revparse(['HEAD'])).trim();
  }

  /** Everything in the worktree (committed or not, new files included) against `baseRef`. */
  diff(worktreePath: string, baseRef: string, paths: string[] = [], options: DiffOptions = {}): Promise<WorktreeDiff> {
    return worktreeDiff(worktreePath, baseRef, paths, options);
  }

  /**
   * Applies `patch` to the worktree's index and files and commits it as `role`. git applies a
   * patch whole or not at all: one that does not apply leaves the worktree as it was.
   */
  async applyPatch(worktreePath: string, patch: string, message: string, role: string): Promise<string> {
    const git = gitAt(this.managed(worktreePath, 'apply a patch in'), role);
    const scratch = mkdtempSync(join(tmpdir(), 'auton-patch-'));
    const file = join(scratch, 'accepted.patch');
    try {
      writeFileSync(file, patch);
      await git.raw(['apply', '--index', '--whitespace=nowarn', file]).catch((error: Error) => {
        throw new Error(`the patch does not apply to ${worktreePath}: ${error.message.trim()}`);
      });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    const who = autonIdentity(role);
    await git.raw(['commit', '--quiet', '--no-verify', `--author=${who.name} <${who.email}>`, '-m', message]);
    return (await git.revparse(['HEAD'])).trim();
  }

  /**
   * Merges `branch` into the integration worktree (a merge commit by `AUTON integrator`). On a
   * conflict the merge is aborted, leaving the worktree as it was, and the conflicting files are
   * returned.
   */
  async mergeInto(integrationPath: string, branch: string, message: string): Promise<MergeResult> {
    const git = gitAt(this.managed(integrationPath, 'merge in'), 'integrator');
    const dirty = await git.raw(['status', '--porcelain', '--untracked-files=no']);
    if (dirty.trim()) {
      throw new Error(`the integration worktree ${integrationPath} has uncommitted changes: commit or reset them before merging`);
    }
    const before = (await git.revparse(['HEAD'])).trim();
    let failure: string | undefined;
    // A conflicting merge exits 1 without stderr, which simple-git may not reject: the state decides.
    await git.raw(['merge', '--no-ff', '--no-edit', '-m', message, branch]).catch((error: Error) => {
      failure = error.message.trim();
    });
    if (await this.exists(git, 'MERGE_HEAD')) {
      const conflicts = (await git.raw(['diff', '--name-only', '--diff-filter=U'])).split('\n').filter(Boolean);
      await git.raw(['merge', '--abort']);
      return { ok: false, conflicts: conflicts.length ? conflicts : ['(merge stopped without naming files)'] };
    }
    if (failure) throw new Error(`merging ${branch} failed: ${failure}`);
    const after = (await git.revparse(['HEAD'])).trim();
    if (after === before && !(await this.isAncestor(branch, after))) {
      throw new Error(`merging ${branch} did not create a commit: check that the branch exists`);
    }
    return { ok: true, commit: after };
  }

  /** True when `ancestor` is an ancestor of (or the same commit as) `descendant`. */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return (await gitExitCode(this.root, ['merge-base', '--is-ancestor', ancestor, descendant])) === 0;
  }

  /** Resets a worktree under .auton/worktrees to `ref` and removes its untracked files (ignored ones stay). */
  async resetHard(worktreePath: string, ref: string): Promise<void> {
    const git = gitAt(this.managed(worktreePath, 'reset'));
    await git.raw(['reset', '--hard', '--quiet', ref]);
    await git.raw(['clean', '-fd', '--quiet']);
  }

  /**
   * Puts a worktree back into a usable state after AUTON stopped in the middle of something:
   * a stale index.lock is removed and an unfinished merge, rebase, cherry-pick or revert is
   * aborted. Returns what was done.
   */
  async recover(worktreePath: string): Promise<string[]> {
    const git = gitAt(this.managed(worktreePath, 'recover'));
    const gitDir = (await git.revparse(['--absolute-git-dir'])).trim();
    const done: string[] = [];
    const lock = join(gitDir, 'index.lock');
    if (existsSync(lock)) {
      unlinkSync(lock);
      done.push('removed a stale index.lock');
    }
    if (existsSync(join(gitDir, 'MERGE_HEAD'))) {
      await git.raw(['merge', '--abort']);
      done.push('aborted an unfinished merge');
    }
    if (existsSync(join(gitDir, 'rebase-merge')) || existsSync(join(gitDir, 'rebase-apply'))) {
      await git.raw(['rebase', '--abort']);
      done.push('aborted an unfinished rebase');
    }
    if (existsSync(join(gitDir, 'CHERRY_PICK_HEAD'))) {
      await git.raw(['cherry-pick', '--abort']);
      done.push('aborted an unfinished cherry-pick');
    }
    if (existsSync(join(gitDir, 'REVERT_HEAD'))) {
      await git.raw(['revert', '--abort']);
      done.push('aborted an unfinished revert');
    }
    return done;
  }

  /** Removes a task's worktree (its branch too when asked). */
  removeTaskWorktree(runId: string, taskId: string, options: { deleteBranch?: boolean } = {}): Promise<void> {
    return this.serial(async () => {
      await this.removeWorktree(this.taskPath(runId, taskId));
      if (options.deleteBranch) {
        const branch = this.taskBranch(runId, taskId);
        if (await this.branchExists(branch)) await this.git.raw(['branch', '-D', branch]);
      }
    });
  }

  /**
   * Removes every worktree of a run and its folder, and with deleteBranches its `auton/<run>/*`
   * branches too, except one the user has checked out (e.g. after accepting the result).
   */
  cleanupRun(runId: string, options: { deleteBranches?: boolean } = {}): Promise<CleanupResult> {
    return this.serial(async () => {
      const runDir = join(this.worktreesRoot, checkId(runId, 'run id'));
      const result: CleanupResult = { removedWorktrees: [], deletedBranches: [], keptBranches: [] };
      if (existsSync(runDir)) {
        for (const entry of readdirSync(runDir, { withFileTypes: true })) {
          if (!entry.isDirectory()) continue;
          await this.removeWorktree(join(runDir, entry.name));
          result.removedWorktrees.push(join(runDir, entry.name));
        }
        rmSync(runDir, { recursive: true, force: true });
      }
      await this.git.raw(['worktree', 'prune']);
      if (options.deleteBranches) {
        const current = (await this.git.raw(['branch', '--show-current'])).trim();
        const branches = (await this.git.raw(['for-each-ref', '--format=%(refname:short)', `refs/heads/auton/${runId}/`]))
          .split('\n')
          .filter(Boolean);
        for (const branch of branches) {
          if (branch === current) {
            result.keptBranches.push(`${branch} (checked out in ${this.root})`);
            continue;
          }
          await this.git.raw(['branch', '-D', branch]);
          result.deletedBranches.push(branch);
        }
      }
      return result;
    });
  }

  /** Adds `/.auton/` to `.git/info/exclude` (shared by all worktrees); the user's .gitignore is left alone. */
  private async excludeAutonFolder(): Promise<void> {
    const common = (await this.git.revparse(['--git-common-dir'])).trim();
    const info = join(isAbsolute(common) ? common : resolve(this.root, common), 'info');
    const exclude = join(info, 'exclude');
    const current = existsSync(exclude) ? readFileSync(exclude, 'utf8') : '';
    if (current.split('\n').some((line) => /^\/?\.auton\/?$/.test(line.trim()))) return;
    mkdirSync(info, { recursive: true });
    appendFileSync(exclude, `${current === '' || current.endsWith('\n') ? '' : '\n'}# AUTON runs and worktrees\n/.auton/\n`);
  }

  /** `path` when it is a worktree folder under .auton/worktrees/; throws otherwise. */
  private managed(path: string, action: string): string {
    const real = this.underWorktrees(path, action);
    if (!existsSync(join(real, '.git'))) throw new Error(`${path} is not a worktree: create it with createTaskWorktree first`);
    return real;
  }

  /** The real path of `path`, which must lie strictly inside .auton/worktrees/. */
  private underWorktrees(path: string, action: string): string {
    const real = existsSync(path) ? realpathSync(path) : resolve(path);
    const managedRoot = existsSync(this.worktreesRoot) ? realpathSync(this.worktreesRoot) : this.worktreesRoot;
    if (!isWithin(managedRoot, real) || real === managedRoot) {
      throw new Error(`refusing to ${action} ${path}: AUTON only changes its own worktrees under ${this.worktreesRoot}, never your checkout`);
    }
    return real;
  }

  private async addWorktree(path: string, branch: string, newBranchFrom?: string): Promise<void> {
    mkdirSync(join(path, '..'), { recursive: true });
    if (existsSync(path)) rmSync(path, { recursive: true, force: true });
    await this.git.raw(['worktree', 'prune']);
    await this.git.raw(
      newBranchFrom ? ['worktree', 'add', '--quiet', '-b', branch, path, newBranchFrom] : ['worktree', 'add', '--quiet', path, branch],
    );
  }

  private async removeWorktree(path: string): Promise<void> {
    if (!existsSync(path)) return;
    this.underWorktrees(path, 'remove');
    try {
      await this.git.raw(['worktree', 'remove', '--force', '--force', path]);
    } catch {
      // Not a registered worktree any more (e.g. half created): the folder is still ours to remove.
    }
    rmSync(path, { recursive: true, force: true });
    await this.git.raw(['worktree', 'prune']);
  }

  private async isWorktreeOn(path: string, branch: string): Promise<boolean> {
    if (!existsSync(join(path, '.git'))) return false;
    try {
      return (await gitAt(path).raw(['symbolic-ref', '--short', 'HEAD'])).trim() === branch;
    } catch {
      return false;
    }
  }

  private async branchExists(branch: string): Promise<boolean> {
    return (await gitExitCode(this.root, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`])) === 0;
  }

  private async commitOf(ref: string): Promise<string> {
    const commit = (await this.git.revparse(['--verify', '--quiet', `${ref}^{commit}`]).catch(() => '')).trim();
    if (!commit) throw new Error(`${ref} is not a commit or branch of ${this.root}: give an existing branch, tag or commit`);
    return commit;
  }

  private async exists(git: SimpleGit, pseudoRef: string): Promise<boolean> {
    const gitDir = (await git.revparse(['--absolute-git-dir'])).trim();
    return existsSync(join(gitDir, pseudoRef));
  }

  private runRecordPath(runId: string): string {
    return join(this.worktreesRoot, checkId(runId, 'run id'), 'run.json');
  }

  private readRunRecord(runId: string): RunWorkspace | undefined {
    try {
      return JSON.parse(readFileSync(this.runRecordPath(runId), 'utf8')) as RunWorkspace;
    } catch {
      return undefined;
    }
  }

  private writeRunRecord(record: RunWorkspace): RunWorkspace {
    const path = this.runRecordPath(record.runId);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
    return record;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function checkId(id: string, what: string): string {
  if (!ID.test(id) || id.includes('..') || id.endsWith('.lock') || id.endsWith('.')) {
    throw new Error(`invalid ${what} "${id}": use letters, digits, ".", "_" and "-" (at most 64, starting with a letter or digit)`);
  }
  return id;
}

function checkTaskId(id: string): string {
  checkId(id, 'task id');
  if (id === 'integration' || id === INTEGRATION_DIR) throw new Error(`"${id}" is reserved for the run's integration branch: name the task otherwise`);
  return id;
}
