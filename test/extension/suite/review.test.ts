/**
 * The inline review in a real workbench: a task's multi-hunk change merged on a real integration
 * branch (the engine's own git operations), handed to the review as the engine hands it, then
 * decided by clicking the CodeLenses in Chromium: one hunk accepted, one rejected with a typed
 * comment, the rest by "Accept all". The accepted patch goes on the integration branch the way
 * the engine puts it there; screenshots of the review land in test-results/screenshots/.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ReviewDecision } from '../../../src/core/engineDeps';
import { REVIEW_COMMANDS } from '../../../src/vscode/contributions';
import { AWAIT_DECISION_COMMAND } from '../../../src/vscode/review';
import { Workspace } from '../../../src/workspace';

const UI = process.env.AUTON_TEST_UI;
const RUN = 'review-e2e';
const TASK = 'sched';
const COMMENT = 'keep f20 as it was: the timer calls it';
const DRAFT = 'a draft that must survive Escape';

/** One step in the workbench UI, done by the harness with playwright. */
async function ui(request: Record<string, unknown>): Promise<string> {
  const response = await fetch(UI!, { method: 'POST', body: JSON.stringify(request) });
  const text = await response.text();
  if (!response.ok) throw new Error(`UI step ${JSON.stringify(request)} failed: ${text}`);
  return text;
}

function git(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd }, (error, stdout, stderr) =>
      error ? reject(new Error(`git ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout));
  });
}

const source = (edit: (lines: string[]) => void = () => undefined): string => {
  const lines = ['/* sched.c: functions the review test changes in three places. */', ...Array.from({ length: 40 }, (_, i) => `int f${i + 1}(void) { return ${i + 1}; }`)];
  edit(lines);
  return `${lines.join('\n')}\n`;
};

describe('inline review of an agent diff (CodeLens in code-server)', function () {
  this.timeout(120_000);
  let root: string;

  before(async function () {
    if (!UI) {
      // Only the code-server harness (test/extension/runInCodeServer.ts) can click in the UI.
      this.skip();
    }
    root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    if (!existsSync(join(root, '.git'))) await git(root, 'init', '-q', '-b', 'main');
    mkdirSync(join(root, 'kernels', 'lib'), { recursive: true });
    writeFileSync(join(root, 'kernels', 'lib', 'sched.c'), source());
    await git(root, 'add', '-A');
    await git(root, 'commit', '-q', '--allow-empty', '-m', 'base for the review test');
  });

  it('accepts a hunk and rejects another through their CodeLenses; the accepted part lands on the integration branch', async () => {
    // The engine's side: a task branch with three hunks in sched.c and a new header, merged.
    const ws = await Workspace.open(root);
    const run = await ws.createIntegrationBranch(RUN);
    const integration = await ws.integrationWorktree(RUN);
    const task = await ws.createTaskWorktree(RUN, TASK, run.base);
    writeFileSync(join(task.path, 'kernels', 'lib', 'sched.c'), source((l) => {
      l[3] = 'int f3(void) { return 300; } /* accepted */';
      l[20] = 'int f20(void) { return 2000; } /* rejected */';
      l.splice(21, 0, 'int f20b(void) { return 2001; } /* rejected */');
      l[38] = 'int f37(void) { return 3700; } /* accepted by Accept all */';
    }));
    writeFileSync(join(task.path, 'kernels', 'lib', 'sched.h'), '#pragma once\nint f3(void);\n');
    await ws.commitAll(task.path, 'sched: new values', 'developer');
    const merged = await ws.mergeInto(integration, task.branch, `merge ${TASK}`);
    assert.ok(merged.ok, 'the task merges');
    const diff = (await ws.diff(integration, run.base, [], { binary: true })).patch;
    mkdirSync(join(root, '.auton', 'runs', RUN), { recursive: true });

    const decided = vscode.commands.executeCommand<ReviewDecision>(AWAIT_DECISION_COMMAND, RUN, TASK, diff);
    for (let i = 0; ; i++) {
      try {
        await vscode.commands.executeCommand(REVIEW_COMMANDS.open, RUN, TASK);
        break;
      } catch (error) {
        if (i > 50) throw error;
        await new Promise((done) => setTimeout(done, 100));
      }
    }
    await ui({ action: 'waitFor', selector: '.codelens-decoration', text: 'Hunk 2 of 3' });
    await ui({ action: 'screenshot', name: 'review-inline' });

    await ui({ action: 'clickLens', row: 'Hunk 1 of 3', text: 'Accept' });
    await ui({ action: 'waitFor', selector: '.codelens-decoration', text: '✓ Accepted' });
    // Reject, type, Escape: the text is kept and offered again by the next Reject.
    await ui({ action: 'clickLens', row: 'Hunk 2 of 3', text: 'Reject' });
    await ui({ action: 'fillInput', text: DRAFT });
    await ui({ action: 'press', key: 'Escape' });
    await ui({ action: 'clickLens', row: 'Hunk 2 of 3', text: 'Reject' });
    assert.equal(await ui({ action: 'inputValue' }), DRAFT);
    await ui({ action: 'fillInput', text: COMMENT, enter: true });
    await ui({ action: 'waitFor', selector: '.codelens-decoration', text: '✗ Rejected' });
    await ui({ action: 'screenshot', name: 'review-hunks-decided' });
    await ui({ action: 'clickLens', row: 'file 1 of 2', text: 'Accept all' });

    const decision = await decided;
    assert.equal(decision.accept, true);
    assert.equal(decision.rejected?.length, 1, JSON.stringify(decision));
    assert.equal(decision.rejected[0]!.file, 'kernels/lib/sched.c');
    assert.equal(decision.rejected[0]!.comment, COMMENT);
    assert.match(decision.rejected[0]!.text ?? '', /\+int f20b/);
    await ui({ action: 'waitFor', selector: '.codelens-decoration', text: 'Decision sent: 3 accepted, 1 rejected' });
    await ui({ action: 'screenshot', name: 'review-sent' });

    // The engine's partial merge: undo the merge, apply the accepted hunks, commit.
    await ws.resetHard(integration, run.base);
    await ws.applyPatch(integration, decision.patch ?? '', `merge ${TASK} in part`, 'integrator');
    const landed = await git(root, 'show', `${run.integrationBranch}:kernels/lib/sched.c`);
    assert.match(landed, /return 300; \} \/\* accepted \*\//);
    assert.match(landed, /return 3700;/);
    assert.doesNotMatch(landed, /rejected/);
    assert.match(landed, /int f20\(void\) \{ return 20; \}/);
    assert.equal(await git(root, 'show', `${run.integrationBranch}:kernels/lib/sched.h`), '#pragma once\nint f3(void);\n');

    // What was decided and typed is saved with the run.
    const saved = JSON.parse(readFileSync(join(root, '.auton', 'runs', RUN, 'review', `${TASK}.json`), 'utf8')) as { done: boolean; decisions: Record<string, { comment?: string }> };
    assert.equal(saved.done, true);
    assert.equal(saved.decisions['0:1']?.comment, COMMENT);

    // The side-by-side diff is one click away.
    await ui({ action: 'clickLens', row: 'file 1 of 2', text: 'Open side-by-side diff' });
    await ui({ action: 'waitFor', selector: '.monaco-diff-editor' });
    // The page shows the diff editor a moment before the extension host hears the tab change.
    const activeTab = () => vscode.window.tabGroups.activeTabGroup.activeTab;
    for (let i = 0; i < 100 && !(activeTab()?.input instanceof vscode.TabInputTextDiff); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const tab = activeTab();
    assert.ok(tab?.input instanceof vscode.TabInputTextDiff, 'a diff editor is active');
    assert.match(tab.label, /sched\.c \(base ↔ sched\)/);
    await ui({ action: 'screenshot', name: 'review-side-by-side' });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
