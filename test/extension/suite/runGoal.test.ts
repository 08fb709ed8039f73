/**
 * "AUTON: Run Goal" for real in code-server: the test workspace becomes a git repository with
 * the kernel in it, a scripted model server (the real Anthropic SDK talks to it over loopback)
 * plays the agents, and the engine builds and boots the kernel in QEMU. The goal, architecture
 * and model are typed into the quick input through the page (playwright, via the harness);
 * the task tree must follow the run live to "merged", the status bar show the spend, the
 * agents' output channels hold their lines. Then Stop, Resume, Retry from the tree, a role
 * alone, and the missing-key notification whose button stores a key. Screenshots of the tree go
 * to test-results/screenshots/. Prints the activation time and the event-to-tree latency.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { RunLog } from '../../../src/core/runLog';
import type { RunOutcome } from '../../../src/core/engine';
import type { AutonApi } from '../../../src/vscode/activate';
import { COMMANDS, roleCommandId } from '../../../src/vscode/contributions';
import type { TaskTreeNode } from '../../../src/vscode/taskTree';
import { MockLlmServer, type MockRequest, type ScriptedReply } from '../../support/mockLlmServer';
import { approve, architectNothing, developerTurn, featureFile, merge, plan, promptOf, roleOf, submit, taskOf, testerReport } from '../../integration/support/scenario';
import { ui, UI } from './ui';

const KEY = 'sk-ant-extension-test-0123456789';
const MODEL = 'anthropic/claude-sonnet-4-6';

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

function stats(samples: readonly number[]): string {
  if (samples.length === 0) return 'no samples';
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `${samples.length} refreshes, median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms`;
}

describe('Run Goal in code-server against the scripted model server', function () {
  this.timeout(240_000);
  let api: AutonApi;
  let extension: vscode.Extension<AutonApi>;
  let root: string;
  let server: MockLlmServer;
  /** What the developer of task "stop-me" does: hang (to be stopped), hand in junk, or work. */
  let stopMe: 'hang' | 'junk' | 'work' = 'hang';
  const savedEnv = { key: process.env.ANTHROPIC_API_KEY, url: process.env.ANTHROPIC_BASE_URL };

  const team = (req: MockRequest): ScriptedReply => {
    switch (roleOf(req)) {
      case 'manager':
        return promptOf(req).includes('stop and resume') ? plan([{ id: 'stop-me' }]) : plan([{ id: 'hello-lib' }]);
      case 'architect':
        return architectNothing();
      case 'developer': {
        const task = taskOf(req);
        if (task === 'stop-me' && stopMe === 'hang') return { delayMs: 120_000, then: submit({}) };
        if (task === 'stop-me' && stopMe === 'junk') return submit({ nothing: 'useful' });
        // After the user's rejection the developer changes its value, so the review has new hunks.
        return developerTurn(req, featureFile(task, undefined, promptOf(req).includes('The user rejected') ? 43 : 42));
      }
      case 'reviewer':
        // A moment in review, so the tree has a refresh to show it in (it debounces bursts).
        return promptOf(req).startsWith('Task:') ? { delayMs: 300, then: approve() } : approve('the hello library reads well');
      case 'tester':
        return testerReport();
      case 'integrator':
        return merge();
    }
  };

  const runs = () => api.taskTree.getChildren().filter((n): n is Extract<TaskTreeNode, { kind: 'run' }> => n.kind === 'run');
  const runNode = (id: string) => runs().find((n) => n.run.id === id);
  const taskNode = (runId: string, taskId: string) => {
    const run = runNode(runId);
    return run && api.taskTree.getChildren(run).find((n): n is Extract<TaskTreeNode, { kind: 'task' }> => n.kind === 'task' && n.task.id === taskId);
  };

  /** The agent's output channel log file (VS Code writes log channels under the extension's log folder). */
  const channelLog = (name: string): string => {
    const dir = api.logDir;
    const file = existsSync(dir) ? readdirSync(dir).find((f) => f === `AUTON ${name}.log`) : undefined;
    return file === undefined ? '' : readFileSync(join(dir, file), 'utf8');
  };

  before(async () => {
    const found = vscode.extensions.getExtension<AutonApi>('auton-dev.auton');
    assert.ok(found);
    extension = found;
    api = await extension.activate();
    console.log(`AUTON activation time: ${api.activationMs.toFixed(1)} ms`);
    root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    // The workspace becomes the user's kernel repository (it sits inside this clone's .test-tmp/,
    // so it must be a repository of its own before anything runs).
    cpSync(join(extension.extensionPath, 'kernels'), join(root, 'kernels'), {
      recursive: true,
      filter: (source) => !source.includes(join('kernels', 'build')),
    });
    git(root, 'init', '-q', '-b', 'main');
    git(root, 'config', 'user.email', 'user@example.com');
    git(root, 'config', 'user.name', 'A User');
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'the kernel');
    assert.equal(git(root, 'rev-parse', '--show-toplevel'), root);
    server = await MockLlmServer.start(team);
    delete process.env.ANTHROPIC_API_KEY;
    process.env.ANTHROPIC_BASE_URL = server.url;
    await vscode.commands.executeCommand('workbench.view.extension.auton');
    // A wider side bar, so the screenshots show the agents and costs beside the tasks.
    await ui([{ waitFor: UI.sidebar, text: 'AUTON' }, { widen: UI.sidebar, by: 260 }]);
  });

  after(async () => {
    await server?.close();
    for (const [name, value] of [['ANTHROPIC_API_KEY', savedEnv.key], ['ANTHROPIC_BASE_URL', savedEnv.url]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await vscode.commands.executeCommand(COMMANDS.setApiKey, 'anthropic', '');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // Asynchronously: the worktrees hold several kernel builds, and a long synchronous delete
    // would stall the extension host.
    for (const name of ['.git', 'kernels', '.auton']) await rm(join(root, name), { recursive: true, force: true, maxRetries: 5 });
  });

  it('without a key, says so in an error notification whose "Set API Key" button stores one', async () => {
    await vscode.commands.executeCommand(COMMANDS.setApiKey, 'anthropic', '');
    const before = runs().length;
    const result = await vscode.commands.executeCommand(COMMANDS.runGoal, { goal: 'add a hello library', model: MODEL, arch: 'riscv64' });
    assert.equal(result, undefined, 'no run without a key');
    const shown = api.runs.notifications().at(-1);
    assert.equal(shown?.severity, 'error');
    assert.match(shown?.message ?? '', /no API key for anthropic/);
    assert.deepEqual(shown?.buttons, ['Set API Key']);
    assert.equal(runs().length, before, 'no run was started');
    await ui([
      { waitFor: UI.toast, text: 'no API key for anthropic' },
      { screenshot: 'no-key-notification' },
      { click: UI.toastButton, text: 'Set API Key' },
      { waitFor: UI.quickInput, text: 'Anthropic API key' },
      { fill: UI.quickInputBox, value: KEY },
      { press: 'Enter' },
    ]);
    await until('the key typed after the button is stored', async () => (await api.getApiKey('anthropic')) === KEY, 15_000);
  });

  it('without the kernel toolchain, says what is missing and shows the install command', async () => {
    const before = runs().length;
    const path = process.env.PATH;
    process.env.PATH = join(root, 'no-tools-here');
    try {
      const result = await vscode.commands.executeCommand(COMMANDS.runGoal, { goal: 'add a hello library', model: MODEL, arch: 'riscv64' });
      assert.equal(result, undefined);
    } finally {
      process.env.PATH = path;
    }
    const shown = api.runs.notifications().at(-1);
    assert.match(shown?.message ?? '', /the kernel toolchain is missing make, clang, ld\.lld, llvm-objcopy, qemu-system-riscv64/);
    assert.deepEqual(shown?.buttons, ['Show install command']);
    // In the notification center: a toast may already have given way to the next one.
    await vscode.commands.executeCommand('notifications.showList');
    await ui([
      { waitFor: UI.centerItem, text: 'the kernel toolchain is missing' },
      { click: UI.centerButton, text: 'Show install command' },
      { waitFor: '.part.editor .view-lines', text: 'sudo apt-get install' },
      { screenshot: 'toolchain-install-command' },
    ]);
    const doc = vscode.window.activeTextEditor?.document;
    assert.match(doc?.getText() ?? '', /missing qemu-system-riscv64 +\(Debian package: qemu-system-misc\)/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('notifications.hideList');
    assert.equal(runs().length, before, 'no run was started');
  });

  it('runs a goal typed into the quick input: the tree follows it live to merged, the status bar shows the spend', async () => {
    const seen: string[] = [];
    let mine: string | undefined;
    const watching = api.taskTree.onDidChangeTreeData(() => {
      // This run's first task (other suites may leave runs of their own in the workspace).
      mine ??= api.runs.current?.runId;
      const run = mine === undefined ? undefined : runNode(mine);
      const status = run && api.taskTree.getChildren(run)[0]?.kind === 'task' ? (api.taskTree.getChildren(run)[0] as Extract<TaskTreeNode, { kind: 'task' }>).task.status : undefined;
      if (status !== undefined && seen.at(-1) !== status) seen.push(status);
    });
    const before = api.taskTree.latency().samples.length;
    const running = vscode.commands.executeCommand<RunOutcome | undefined>(COMMANDS.runGoal);
    try {
      await ui([
        { waitFor: UI.quickInput, text: 'Run Goal (1/3)' },
        { type: 'add a hello library with a KTAP test' },
        { sleepMs: 400 },
        { screenshot: 'run-goal-1-goal' },
        { press: 'Enter' },
        { waitFor: UI.quickInput, text: 'Run Goal (2/3)' },
        { type: 'riscv64' },
        { sleepMs: 400 },
        { press: 'Enter' },
        { waitFor: UI.quickInput, text: 'Run Goal (3/3)' },
        { sleepMs: 400 },
        { screenshot: 'run-goal-3-model' },
        { press: 'Enter' },
      ]);
      await until('the tree shows the task being developed', () => seen.includes('developing'), 60_000);
      await ui([
        { waitFor: UI.treeRow, text: 'running · Developer 1' },
        { screenshot: 'tree-1-running' },
        { screenshot: 'tree-1-running-sidebar', selector: UI.sidebar },
      ]);
      const outcome = await running;
      assert.ok(outcome, 'the run ran');
      assert.equal(outcome.status, 'succeeded', outcome.reason);
      await until('the tree shows the task merged', () => taskNode(outcome.runId, 'hello-lib')?.task.status === 'merged', 10_000);
      await until('the tree refreshed after the last event', () => seen.at(-1) === 'merged', 10_000);
      // Every state the engine went through reached the tree, in order.
      const order = ['developing', 'reviewing', 'testing', 'integrating', 'merged'];
      assert.deepEqual(seen.filter((s) => order.includes(s)), order, `states seen: ${seen.join(' > ')}`);

      const run = runNode(outcome.runId)!;
      const runItem = api.taskTree.getTreeItem(run);
      assert.equal(runItem.label, 'add a hello library with a KTAP test');
      assert.match(String(runItem.description), /^succeeded · 1\/1 merged · \$0\.\d{4} · /);
      assert.equal(runItem.contextValue, 'auton.run.succeeded');
      const task = taskNode(outcome.runId, 'hello-lib')!;
      const item = api.taskTree.getTreeItem(task);
      assert.equal(item.label, 'implement hello-lib');
      assert.equal((item.iconPath as vscode.ThemeIcon).id, 'git-merge');
      assert.equal(item.contextValue, 'auton.task.merged');
      assert.match(String(item.description), /^merged · \$0\.\d{4}$/);
      const tooltip = (item.tooltip as vscode.MarkdownString).value;
      assert.match(tooltip, /ktest:hello\\_lib\\_works passes/, tooltip);
      assert.match(tooltip, /Last result:\*\* integrator gate passed: merged cleanly/, tooltip);

      // The model picked by default in the quick pick is the one the agents used.
      assert.ok(server.requests.length > 0 && server.requests.every((r) => r.model === 'claude-sonnet-4-6'));
      // The SDK sends the key as x-api-key or as a bearer token, depending on its form.
      const keys = [...new Set(server.requests.map((r) => String(r.headers['x-api-key'] ?? r.headers.authorization).replace(/^Bearer /, '')))];
      assert.deepEqual(keys, [KEY], 'the key from secret storage');

      assert.ok(outcome.usage.usd > 0);
      assert.match(api.statusBar.text, /^\$\(pass\) AUTON succeeded · \$0\.\d{4}$/);
      const page = await ui([
        { waitFor: UI.treeRow, text: 'succeeded · 1/1 merged' },
        { waitFor: UI.treeRow, text: 'implement hello-lib' },
        { screenshot: 'tree-2-merged-sidebar', selector: UI.sidebar },
        { screenshot: 'tree-2-merged' },
        { textOf: UI.statusBar },
        { hover: UI.treeRow, text: 'implement hello-lib', shows: UI.hover, showsText: 'Acceptance criteria' },
        { textOf: UI.hover },
        { screenshot: 'tree-2-tooltip' },
        { press: 'Escape' },
      ]);
      assert.match(page.texts[1] ?? '', /ktest:hello_lib_works passes[\s\S]*Last result: integrator gate passed: merged cleanly/);
      assert.match(page.texts[0] ?? '', /AUTON succeeded · \$0\.\d{4}/);

      for (const name of ['Manager', 'Architect', 'Developer 1', 'Reviewer', 'Integrator']) {
        assert.ok(api.channels.names().includes(name), `channel ${name}: ${api.channels.names().join(', ')}`);
      }
      await until('the developer channel holds its tool calls', () => /write_file on hello-lib/.test(channelLog('Developer 1')) && /kernel_test on hello-lib/.test(channelLog('Developer 1')), 15_000);
      assert.match(channelLog('Integrator'), /finished on hello-lib after 1 turn\(s\): merged cleanly/);
      assert.match(channelLog('Manager'), /started with anthropic\/claude-sonnet-4-6/);

      // "Show Run Log" opens the run's events, one per line.
      await vscode.commands.executeCommand(COMMANDS.showRunLog, run);
      const log = vscode.window.activeTextEditor?.document;
      assert.equal(log?.uri.scheme, 'auton-log');
      assert.match(log?.getText() ?? '', /run\.finished +status=succeeded/);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

      // The work waits on the integration branch; the user's branch is untouched.
      assert.equal(git(root, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main');
      assert.ok(git(root, 'ls-tree', '-r', '--name-only', outcome.integrationBranch!).includes('kernels/lib/hello_lib.c'));
      const latency = api.taskTree.latency().samples.slice(before);
      assert.ok(latency.length >= order.length, `the tree was refreshed from events: ${latency.length}`);
      console.log(`AUTON tree latency, engine event -> tree getChildren: ${stats(latency)}`);
    } finally {
      watching.dispose();
    }
  });

  it('stops a run, resumes it, retries its failed task from the tree, and takes a rejection and an acceptance there', async () => {
    stopMe = 'hang';
    const running = vscode.commands.executeCommand<RunOutcome | undefined>(COMMANDS.runGoal, { goal: 'stop and resume a small task', model: MODEL, arch: 'riscv64' });
    await until('the developer is at work on stop-me', () => {
      const current = api.runs.current;
      return current !== undefined && taskNode(current.runId, 'stop-me')?.task.status === 'developing';
    });
    await until('the developer waits for its model', () => server.requests.some((r) => taskOf(r) === 'stop-me' && roleOf(r) === 'developer'));
    assert.equal(api.taskTree.getTreeItem(runNode(api.runs.current!.runId)!).contextValue, 'auton.run.running');
    assert.equal(await vscode.commands.executeCommand(COMMANDS.stopRun), true);
    const stopped = await running;
    assert.ok(stopped);
    assert.equal(stopped.status, 'stopped', stopped.reason);
    const runId = stopped.runId;
    await until('the tree shows the run stopped', () => runNode(runId)?.run.status === 'stopped', 10_000);
    assert.equal(api.taskTree.getTreeItem(runNode(runId)!).contextValue, 'auton.run.stopped');
    assert.match(api.statusBar.text, /AUTON stopped · \$0\.\d{4}$/);
    await ui([{ waitFor: UI.treeRow, text: 'stopped · 0/1 merged' }, { screenshot: 'tree-3-stopped-sidebar', selector: UI.sidebar }]);

    stopMe = 'junk';
    const failed = await vscode.commands.executeCommand<RunOutcome | undefined>(COMMANDS.resumeRun, runId);
    assert.ok(failed);
    assert.equal(failed.status, 'failed', failed.reason);
    assert.equal(failed.runId, runId);
    await until('the tree shows the task failed', () => taskNode(runId, 'stop-me')?.task.status === 'failed', 10_000);
    const failedItem = api.taskTree.getTreeItem(taskNode(runId, 'stop-me')!);
    assert.equal(failedItem.contextValue, 'auton.task.failed');
    assert.equal((failedItem.iconPath as vscode.ThemeIcon).id, 'error');
    assert.match((failedItem.tooltip as vscode.MarkdownString).value, /Last result:\*\* failed: developer: /);
    const shown = api.runs.notifications().at(-1);
    assert.equal(shown?.severity, 'error');
    assert.match(shown?.message ?? '', new RegExp(`run ${runId} failed: stop-me: developer: `));
    await ui([{ waitFor: UI.treeRow, text: 'failed · ' }, { screenshot: 'tree-4-failed-sidebar', selector: UI.sidebar }]);

    // Retry from the task's context menu in the page, this time with the last word to the user.
    stopMe = 'work';
    const settings = vscode.workspace.getConfiguration('auton');
    await settings.update('reviewMode', 'human', vscode.ConfigurationTarget.Workspace);
    await until('human review mode is seen', () => api.config().config.reviewMode === 'human', 10_000);
    await ui([
      { rightClick: UI.treeRow, text: 'implement stop-me' },
      { waitFor: UI.menuItem, text: 'Retry Task' },
      { screenshot: 'tree-4-context-menu' },
      { click: UI.menuItem, text: 'Retry Task' },
    ]);
    await until('the retry resumes the run', () => api.runs.current?.runId === runId, 15_000);
    const done = api.runs.current!.done;
    try {
      await until('the change waits for the user', () => taskNode(runId, 'stop-me')?.task.status === 'awaiting-user'
        && api.runs.pendingDecisions().some((p) => p.runId === runId && p.taskId === 'stop-me'));
      assert.equal(api.taskTree.getTreeItem(taskNode(runId, 'stop-me')!).contextValue, 'auton.task.awaiting-user');
      await ui([
        { waitFor: UI.treeRow, text: 'awaiting your review' },
        { rightClick: UI.treeRow, text: 'implement stop-me' },
        { waitFor: UI.menuItem, text: 'Reject with Feedback' },
        { screenshot: 'tree-6-review-menu' },
        { click: UI.menuItem, text: 'Reject with Feedback' },
        { waitFor: UI.quickInput, text: 'Reject with Feedback' },
        { fill: UI.quickInputBox, value: 'call the value HELLO_VALUE' },
        { press: 'Enter' },
        { sleepMs: 500 },
        { screenshot: 'tree-7-after-reject' },
      ]);
      await until('the developer gets the feedback', () =>
        server.requests.some((r) => roleOf(r) === 'developer' && /The user rejected the change[\s\S]*call the value HELLO_VALUE/.test(promptOf(r))))
        .catch((error: Error) => {
          const decisions = new RunLog(root, runId).read().filter((e) => e.type === 'decision' || e.type === 'task.state');
          throw new Error(`${error.message}; the log says: ${JSON.stringify(decisions.slice(-3))}; waiting: ${JSON.stringify(api.runs.pendingDecisions())}; notifications: ${JSON.stringify(api.runs.notifications().slice(-3))}`);
        });
      // The review registers the decision it waits for a moment after the task's state changes.
      const waits = () => api.runs.pendingDecisions().some((p) => p.runId === runId && p.taskId === 'stop-me');
      await until('the reworked change waits for the user', () => taskNode(runId, 'stop-me')?.task.status === 'awaiting-user' && waits());
      assert.equal(await vscode.commands.executeCommand(COMMANDS.acceptTask, taskNode(runId, 'stop-me')), true);
    } finally {
      await settings.update('reviewMode', undefined, vscode.ConfigurationTarget.Workspace);
    }
    const retried = await done;
    assert.equal(retried?.status, 'succeeded', retried?.reason);
    const decisions = new RunLog(root, runId).read().filter((e) => e.type === 'decision');
    assert.deepEqual(decisions.map((e) => e.accept), [false, true]);
    assert.match(JSON.stringify(decisions[0]), /call the value HELLO_VALUE/);
    await until('the tree shows the retried task merged', () => taskNode(runId, 'stop-me')?.task.status === 'merged', 10_000);
    assert.ok(new RunLog(root, runId).read().some((e) => e.type === 'task.retry' && e.task === 'stop-me'));
    await ui([{ waitFor: UI.treeRow, text: 'succeeded · 1/1 merged · $' }, { screenshot: 'tree-5-retried-sidebar', selector: UI.sidebar }]);
  });

  it('runs one role alone on a prompt, its lines in its own output channel', async () => {
    const outcome = await vscode.commands.executeCommand<{ ok: boolean } | undefined>(roleCommandId('reviewer'), 'read kernels/lib and say whether it is tidy');
    assert.equal(outcome?.ok, true);
    await until('the reviewer channel holds the run', () => /Reviewer alone with anthropic\/claude-sonnet-4-6/.test(channelLog('Reviewer')), 15_000);
    assert.match(channelLog('Reviewer'), /the hello library reads well/);
    assert.equal(git(root, 'status', '--porcelain', '--', 'kernels'), '', "the user's kernel is untouched");
  });
});
