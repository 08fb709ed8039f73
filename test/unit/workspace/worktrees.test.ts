import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from '../../../src/tools/registry';
import { Workspace } from '../../../src/workspace';
import { context, git, makeRepo, removeDir, scratchDir, writeFiles } from '../tools/helpers';

interface UserState {
  head: string;
  branch: string;
  status: string;
  unstaged: string;
  staged: string;
  files: Record<string, string>;
  gitignore: string;
}

describe('workspace: worktrees per task, integration branch, merges', () => {
  let repo: string;
  let ws: Workspace;
  let userState: UserState;

  const read = (path: string) => readFileSync(path, 'utf8');
  /** Everything of the user's checkout that AUTON must never change. */
  const snapshot = (): UserState => ({
    head: git(repo, 'rev-parse', 'HEAD'),
    branch: git(repo, 'branch', '--show-current'),
    status: git(repo, 'status', '--porcelain=v1', '--untracked-files=all'),
    unstaged: git(repo, 'diff'),
    staged: git(repo, 'diff', '--cached'),
    files: Object.fromEntries(['kernels/core/main.c', 'kernels/mm/frame.c', 'notes.txt', 'README.md'].map((f) => [f, read(join(repo, f))])),
    gitignore: read(join(repo, '.gitignore')),
  });
  const assertUserUntouched = () => assert.deepEqual(snapshot(), userState);

  before(async () => {
    repo = makeRepo('workspace', {
      '.gitignore': 'kernels/build/\n',
      'README.md': '# project\n',
      'kernels/core/main.c': 'void kmain(void) {}\n',
      'kernels/mm/frame.c': 'int frames = 0;\n',
    });
    git(repo, 'checkout', '-q', '-b', 'user-feature');
    // The user's work in progress: an unstaged change, a staged one, an untracked file.
    writeFileSync(join(repo, 'kernels/core/main.c'), 'void kmain(void) { /* user wip */ }\n');
    writeFileSync(join(repo, 'README.md'), '# project\n\nstaged by the user\n');
    git(repo, 'add', 'README.md');
    writeFileSync(join(repo, 'notes.txt'), 'untracked user notes\n');
    ws = await Workspace.open(repo);
    userState = snapshot();
  });
  after(() => removeDir(repo));

  describe('opening', () => {
    it('refuses a folder that is not a repository, and one without commits, saying what to run', async () => {
      const plain = scratchDir('ws-plain');
      const empty = scratchDir('ws-empty');
      try {
        await assert.rejects(Workspace.open(plain), /is not inside a git repository: .*git init && git add -A && git commit/);
        await assert.rejects(Workspace.open(join(plain, 'missing')), /does not exist/);
        git(empty, 'init', '-q');
        await assert.rejects(Workspace.open(empty), /has no commit yet: .*commit once first/);
      } finally {
        removeDir(plain);
        removeDir(empty);
      }
    });

    it('finds the top of the repository from a subfolder and excludes .auton/ once, in .git/info/exclude only', async () => {
      const again = await Workspace.open(join(repo, 'kernels'));
      assert.equal(again.root, realpathSync(repo));
      const exclude = read(join(repo, '.git/info/exclude'));
      assert.equal(exclude.split('\n').filter((l) => l === '/.auton/').length, 1);
      assertUserUntouched();
    });
  });

  describe('a run', () => {
    let integration: string;
    let base: string;

    it('creates the integration branch at HEAD, records its base, and leaves HEAD alone', async () => {
      const run = await ws.createIntegrationBranch('r1');
      base = git(repo, 'rev-parse', 'HEAD').trim();
      assert.deepEqual({ ...run, createdAt: '' }, { runId: 'r1', base, integrationBranch: 'auton/r1/integration', createdAt: '' });
      assert.equal(git(repo, 'rev-parse', 'auton/r1/integration').trim(), base);
      assert.deepEqual(await ws.createIntegrationBranch('r1'), run, 'resume returns the recorded run');
      assert.deepEqual(ws.runWorkspace('r1'), run);
      assertUserUntouched();
    });

    it('checks the integration branch out under .auton/worktrees/<run>/_integration', async () => {
      integration = await ws.integrationWorktree('r1');
      assert.equal(integration, join(ws.root, '.auton/worktrees/r1/_integration'));
      assert.equal(git(integration, 'branch', '--show-current').trim(), 'auton/r1/integration');
      assert.equal(read(join(integration, 'kernels/core/main.c')), 'void kmain(void) {}\n', 'committed content, not the user\'s wip');
      assert.equal(await ws.integrationWorktree('r1'), integration);
      await assert.rejects(ws.integrationWorktree('r9'), /has no integration branch auton\/r9\/integration: call createIntegrationBranch first/);
      assertUserUntouched();
    });

    it('creates task worktrees on their own branches, in parallel, and reuses them on resume', async () => {
      const tasks = await Promise.all(['mm', 'sched', 'conflict-a', 'conflict-b'].map((t) => ws.createTaskWorktree('r1', t, 'auton/r1/integration')));
      for (const task of tasks) {
        assert.equal(task.path, join(ws.root, '.auton/worktrees/r1', task.taskId));
        assert.equal(task.branch, `auton/r1/${task.taskId}`);
        assert.equal(task.base, base);
        assert.equal(task.reused, false);
        assert.equal(git(task.path, 'branch', '--show-current').trim(), task.branch);
      }
      const again = await ws.createTaskWorktree('r1', 'mm', 'auton/r1/integration');
      assert.equal(again.reused, true);
      assert.equal(again.path, tasks[0]?.path);
      assertUserUntouched();
    });

    it('commits everything in a task worktree as AUTON <role>, and nothing when nothing changed', async () => {
      const mm = ws.taskPath('r1', 'mm');
      writeFiles(mm, { 'kernels/mm/frame.c': 'int frames = 64;\n', 'kernels/mm/alloc.c': 'void *alloc(void);\n', 'kernels/build/riscv64/kernel.elf': 'artifact' });
      const commit = await ws.commitAll(mm, 'mm: frame allocator', 'developer');
      assert.match(commit ?? '', /^[0-9a-f]{40}$/);
      assert.equal(git(mm, 'log', '-1', '--format=%an <%ae>|%cn|%s').trim(), 'AUTON developer <developer@auton.invalid>|AUTON developer|mm: frame allocator');
      assert.deepEqual(git(mm, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort(), ['kernels/mm/alloc.c', 'kernels/mm/frame.c']);
      assert.equal(await ws.commitAll(mm, 'nothing', 'developer'), null);
      assertUserUntouched();
    });

    it('diffs a worktree against a base, uncommitted and new files included', async () => {
      const mm = ws.taskPath('r1', 'mm');
      writeFileSync(join(mm, 'kernels/mm/wip.c'), 'int wip;\n');
      const diff = await ws.diff(mm, base);
      assert.deepEqual(diff.files, [
        { status: 'A', path: 'kernels/mm/alloc.c' },
        { status: 'M', path: 'kernels/mm/frame.c' },
        { status: 'A', path: 'kernels/mm/wip.c' },
      ]);
      assert.match(diff.patch, /\+int frames = 64;/);
      assert.match(git(mm, 'status', '--porcelain'), /^\?\? kernels\/mm\/wip\.c$/m, 'the worktree index is left as it was');
    });

    it('gives the tools a usable worktree: search (ripgrep) and git_diff see the task files', async () => {
      const mm = ws.taskPath('r1', 'mm');
      const found = await runTool('search', { pattern: 'frames = 64' }, context(mm));
      assert.equal(found.output, 'kernels/mm/frame.c:1:int frames = 64;');
      const diff = await runTool('git_diff', { stat_only: true }, context(mm, 'reviewer', { baseRef: base }));
      assert.match(diff.output, /^3 file\(s\) changed/);
      const escape = await runTool('read_file', { path: '../../../../notes.txt' }, context(mm));
      assert.equal(escape.ok, false);
    });

    it('resets a task worktree to a commit, removing untracked files', async () => {
      const mm = ws.taskPath('r1', 'mm');
      writeFileSync(join(mm, 'kernels/mm/frame.c'), 'garbage\n');
      await ws.resetHard(mm, 'HEAD');
      assert.equal(read(join(mm, 'kernels/mm/frame.c')), 'int frames = 64;\n');
      assert.ok(!existsSync(join(mm, 'kernels/mm/wip.c')));
      assert.ok(existsSync(join(mm, 'kernels/build/riscv64/kernel.elf')), 'ignored build output stays');
    });

    it('merges a task into the integration branch with a merge commit', async () => {
      const result = await ws.mergeInto(integration, 'auton/r1/mm', 'Merge mm');
      assert.ok(result.ok);
      assert.equal(git(integration, 'rev-parse', 'HEAD').trim(), result.commit);
      assert.equal(git(integration, 'log', '-1', '--format=%P|%an|%s').trim().split('|')[1], 'AUTON integrator');
      assert.equal(git(integration, 'log', '-1', '--format=%P').trim().split(' ').length, 2);
      assert.equal(read(join(integration, 'kernels/mm/frame.c')), 'int frames = 64;\n');
      assert.equal(await ws.isAncestor('auton/r1/mm', 'auton/r1/integration'), true);
      assert.equal(await ws.isAncestor('auton/r1/integration', 'auton/r1/mm'), false);
      const again = await ws.mergeInto(integration, 'auton/r1/mm', 'Merge mm again');
      assert.deepEqual(again, { ok: true, commit: result.commit }, 'merging twice changes nothing');
      assertUserUntouched();
    });

    it('reports a conflict, aborts the merge and leaves the integration worktree clean', async () => {
      for (const [task, value] of [['conflict-a', 'A'], ['conflict-b', 'B']] as const) {
        const path = ws.taskPath('r1', task);
        writeFileSync(join(path, 'kernels/core/main.c'), `void kmain(void) { ${value}(); }\n`);
        await ws.commitAll(path, `core: ${value}`, 'developer');
      }
      const first = await ws.mergeInto(integration, 'auton/r1/conflict-a', 'Merge conflict-a');
      assert.ok(first.ok);
      const second = await ws.mergeInto(integration, 'auton/r1/conflict-b', 'Merge conflict-b');
      assert.deepEqual(second, { ok: false, conflicts: ['kernels/core/main.c'] });
      assert.equal(git(integration, 'status', '--porcelain'), '');
      assert.equal(git(integration, 'rev-parse', 'HEAD').trim(), first.commit);
      assert.ok(!existsSync(git(integration, 'rev-parse', '--path-format=absolute', '--git-path', 'MERGE_HEAD').trim()));
      assert.equal(read(join(integration, 'kernels/core/main.c')), 'void kmain(void) { A(); }\n');
      await assert.rejects(ws.mergeInto(integration, 'auton/r1/no-such-task', 'x'), /merging auton\/r1\/no-such-task failed/);
      assertUserUntouched();
    });

    it('recovers a worktree left in the middle of a merge with a stale index.lock', async () => {
      const b = ws.taskPath('r1', 'conflict-b');
      assert.throws(() => git(b, 'merge', 'auton/r1/conflict-a'));
      const gitDir = git(b, 'rev-parse', '--absolute-git-dir').trim();
      assert.ok(existsSync(join(gitDir, 'MERGE_HEAD')));
      writeFileSync(join(gitDir, 'index.lock'), '');
      assert.deepEqual(await ws.recover(b), ['removed a stale index.lock', 'aborted an unfinished merge']);
      assert.equal(git(b, 'status', '--porcelain'), '');
      assert.deepEqual(await ws.recover(b), []);
    });

    it('picks a task up again after its worktree folder was lost, keeping the branch commits', async () => {
      const sched = ws.taskPath('r1', 'sched');
      writeFileSync(join(sched, 'kernels/core/sched.c'), 'void schedule(void);\n');
      const commit = await ws.commitAll(sched, 'sched', 'developer');
      removeDir(sched);
      const again = await ws.createTaskWorktree('r1', 'sched', 'auton/r1/integration');
      assert.equal(again.reused, true);
      assert.equal(git(sched, 'rev-parse', 'HEAD').trim(), commit);
    });

    it('refuses to touch anything outside .auton/worktrees, and bad ids', async () => {
      await assert.rejects(ws.resetHard(repo, 'HEAD'), /refusing to reset .*: AUTON only changes its own worktrees under .*, never your checkout/);
      await assert.rejects(ws.commitAll(repo, 'x', 'developer'), /refusing to commit in/);
      await assert.rejects(ws.mergeInto(repo, 'auton/r1/mm', 'x'), /refusing to merge in/);
      await assert.rejects(ws.recover(join(repo, 'kernels')), /refusing to recover/);
      await assert.rejects(ws.resetHard(join(ws.root, '.auton/worktrees'), 'HEAD'), /refusing to reset/);
      mkdirSync(join(ws.root, '.auton/worktrees/r1/not-a-worktree'), { recursive: true });
      await assert.rejects(ws.resetHard(join(ws.root, '.auton/worktrees/r1/not-a-worktree'), 'HEAD'), /is not a worktree/);
      await assert.rejects(ws.createTaskWorktree('r1', '../escape', 'HEAD'), /invalid task id "\.\.\/escape"/);
      await assert.rejects(ws.createTaskWorktree('r1', 'integration', 'HEAD'), /reserved for the run's integration branch/);
      await assert.rejects(ws.createIntegrationBranch('r 2'), /invalid run id "r 2"/);
      await assert.rejects(ws.createIntegrationBranch('r2', 'no-such-ref'), /no-such-ref is not a commit or branch/);
      assertUserUntouched();
    });

    it('removes a task worktree and, when asked, its branch', async () => {
      await ws.removeTaskWorktree('r1', 'sched', { deleteBranch: true });
      assert.ok(!existsSync(ws.taskPath('r1', 'sched')));
      assert.equal(git(repo, 'branch', '--list', 'auton/r1/sched'), '');
      await ws.removeTaskWorktree('r1', 'mm');
      assert.ok(!existsSync(ws.taskPath('r1', 'mm')));
      assert.match(git(repo, 'branch', '--list', 'auton/r1/mm'), /auton\/r1\/mm/);
    });

    it('cleans a run up: worktrees, folder and branches, but not a branch the user checked out', async () => {
      await ws.createIntegrationBranch('r2');
      await ws.createTaskWorktree('r2', 't', 'auton/r2/integration');
      const r1 = await ws.cleanupRun('r1', { deleteBranches: true });
        assert.ok(r1.removedWorktrees.some((p) => p.endsWith('_integration')));
        assert.deepEqual(r1.keptBranches, []);
        assert.deepEqual([...r1.deletedBranches].sort(), ['auton/r1/conflict-a', 'auton/r1/conflict-b', 'auton/r1/integration', 'auton/r1/mm']);
        assert.ok(!existsSync(join(ws.root, '.auton/worktrees/r1')));
        assert.doesNotMatch(git(repo, 'worktree', 'list'), /worktrees\/r1/);
        assert.match(git(repo, 'worktree', 'list'), /worktrees\/r2\/t/);
      assertUserUntouched();

      // The user accepts run r2 by checking its integration branch out (their work stashed meanwhile).
      git(repo, 'stash', '-q', '-u');
      git(repo, 'checkout', '-q', 'auton/r2/integration');
      const r2 = await ws.cleanupRun('r2', { deleteBranches: true });
      assert.deepEqual(r2.deletedBranches, ['auton/r2/t']);
      assert.equal(r2.keptBranches.length, 1);
      assert.match(r2.keptBranches[0] ?? '', /^auton\/r2\/integration \(checked out in /);
      git(repo, 'checkout', '-q', 'user-feature');
      git(repo, 'stash', 'pop', '-q', '--index');
      git(repo, 'branch', '-D', 'auton/r2/integration');
      assert.equal(git(repo, 'worktree', 'list').trim().split('\n').length, 1);
    });
  });

  describe('afterwards', () => {
    it('never changed the user\'s branch, HEAD, index, uncommitted or untracked files', () => {
      assertUserUntouched();
      assert.equal(userState.branch.trim(), 'user-feature');
      assert.match(userState.status, /^M {2}README\.md$/m);
      assert.match(userState.status, /^ M kernels\/core\/main\.c$/m);
      assert.match(userState.status, /^\?\? notes\.txt$/m);
      assert.doesNotMatch(userState.status, /\.auton/);
      assert.equal(read(join(repo, '.gitignore')), 'kernels/build/\n');
    });
  });
});
