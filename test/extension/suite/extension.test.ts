import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { ARCH_CHOICES, formatProblem } from '../../../src/core/config';
import { ROLES } from '../../../src/core/roles';
import type { AutonApi } from '../../../src/vscode/activate';
import { COMMANDS, KERNEL_ACTIONS, REVIEW_COMMANDS } from '../../../src/vscode/contributions';
import type { AutonTaskDefinition } from '../../../src/vscode/taskProvider';

const EXTENSION_ID = 'auton-dev.auton';

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) {
      throw new Error(`timed out waiting until ${what}`);
    }
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe('AUTON in the VS Code extension host', () => {
  let extension: vscode.Extension<AutonApi>;
  let api: AutonApi;
  let folder: vscode.WorkspaceFolder;

  before(async () => {
    const found = vscode.extensions.getExtension<AutonApi>(EXTENSION_ID);
    assert.ok(found, `${EXTENSION_ID} is not loaded`);
    extension = found;
    api = await extension.activate();
    console.log(`AUTON activation time: ${api.activationMs.toFixed(1)} ms`);
    const first = vscode.workspace.workspaceFolders?.[0];
    assert.ok(first, 'the test workbench opens a folder');
    folder = first;
  });

  it('activates without error', () => {
    assert.equal(extension.isActive, true);
    assert.ok(Number.isFinite(api.activationMs) && api.activationMs > 0, `activation measured: ${api.activationMs}`);
  });

  it('registers every command package.json contributes', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = (extension.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map(
      (c) => c.command,
    );
    assert.equal(contributed.length, 15 + Object.keys(REVIEW_COMMANDS).length + ROLES.length);
    assert.deepEqual(contributed.filter((id) => !registered.has(id)), []);
  });

  it('shows "No runs yet" in the task tree, then the runs written under .auton/runs', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.auton');
    const empty = api.taskTree.getChildren();
    assert.deepEqual(empty, [{ kind: 'empty' }]);
    const item = api.taskTree.getTreeItem(empty[0]!);
    assert.equal(item.label, 'No runs yet');
    assert.equal(item.command?.command, COMMANDS.runGoal);

    let refreshed = false;
    const listening = api.taskTree.onDidChangeTreeData(() => (refreshed = true));
    const runDir = join(folder.uri.fsPath, '.auton', 'runs', '20261126-001');
    try {
      mkdirSync(runDir, { recursive: true });
      writeFileSync(
        join(runDir, 'state.json'),
        JSON.stringify({ goal: 'boot on aarch64', status: 'running', tasks: [{ id: 't1', title: 'PL011 console', status: 'review', role: 'developer' }] }),
      );
      await until('the file watcher refreshes the tree', () => refreshed);
      const [run] = api.taskTree.getChildren();
      assert.equal(run?.kind, 'run');
      assert.equal(api.taskTree.getTreeItem(run).label, 'boot on aarch64');
      const [task] = api.taskTree.getChildren(run);
      assert.equal(api.taskTree.getTreeItem(task!).label, 'PL011 console');
      assert.equal(api.taskTree.getTreeItem(task!).description, 'review · developer');
    } finally {
      listening.dispose();
      rmSync(join(folder.uri.fsPath, '.auton'), { recursive: true, force: true });
    }
  });

  it('reads auton.* settings through the core config validator', async () => {
    const settings = vscode.workspace.getConfiguration('auton');
    const target = vscode.ConfigurationTarget.Workspace;
    try {
      await settings.update('budget.maxUsd', 3.5, target);
      await settings.update('models.reviewer', 'openai/gpt-4.1', target);
      await until('the new budget is seen', () => api.config().config.budget.maxUsd === 3.5);
      assert.deepEqual(api.config().config.models.roles.reviewer, { provider: 'openai', model: 'gpt-4.1' });
      assert.equal(api.config().settings.find((s) => s.key === 'budget.maxUsd')?.source, 'workspace settings');

      await settings.update('models.tester', 'gpt4', target);
      await until('the bad model is refused', () => api.config().problems.length > 0);
      assert.match(formatProblem(api.config().problems[0]!), /^auton\.models\.tester \(from workspace settings\): "gpt4" is not a "provider\/model" string/);
    } finally {
      for (const key of ['budget.maxUsd', 'models.reviewer', 'models.tester']) {
        await settings.update(key, undefined, target);
      }
    }
    await until('the settings are back to defaults', () => api.config().problems.length === 0 && api.config().config.budget.maxUsd === 10);
  });

  it('provides an auton task per kernel action and architecture, running the bundled CLI', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'auton' });
    const expected = KERNEL_ACTIONS.flatMap((action) => ARCH_CHOICES.map((arch) => `kernel ${action} (${arch})`));
    assert.deepEqual(tasks.map((t) => t.name).sort(), [...expected].sort());
    for (const task of tasks) {
      const { action, arch } = task.definition as AutonTaskDefinition;
      const execution = task.execution as vscode.ShellExecution;
      assert.equal(execution.command, 'node');
      const [cli, ...rest] = (execution.args ?? []).map((a) => (typeof a === 'string' ? a : a.value));
      assert.ok(cli?.endsWith(join('dist', 'cli.js')) && existsSync(cli), cli);
      assert.deepEqual(rest, ['kernel', action, '--arch', arch]);
      assert.equal(execution.options?.cwd, folder.uri.fsPath);
      assert.equal(task.source, 'auton');
    }
    const build = tasks.find((t) => t.name === 'kernel build (x86_64)');
    assert.equal(build?.group?.id, vscode.TaskGroup.Build.id);
  });

  it('runs "AUTON: Build Kernel" as the auton task for the configured arch', async () => {
    const settings = vscode.workspace.getConfiguration('auton');
    await settings.update('kernel.arch', 'riscv64', vscode.ConfigurationTarget.Workspace);
    try {
      await until('the arch setting is seen', () => api.config().config.kernel.arch === 'riscv64');
      const ended = new Promise<vscode.TaskProcessEndEvent>((resolve) => {
        const listener = vscode.tasks.onDidEndTaskProcess((event) => {
          if (event.execution.task.source === 'auton') {
            listener.dispose();
            resolve(event);
          }
        });
      });
      await vscode.commands.executeCommand(COMMANDS.kernelBuild);
      const { execution, exitCode } = await ended;
      assert.equal(execution.task.name, 'kernel build (riscv64)');
      assert.equal(typeof exitCode, 'number', 'the CLI ran to an exit status');
    } finally {
      await settings.update('kernel.arch', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('stores and deletes an API key in secret storage', async () => {
    const envKey = process.env.OPENROUTER_API_KEY;
    await vscode.commands.executeCommand(COMMANDS.setApiKey, 'openrouter', 'sk-or-test-key');
    assert.equal(await api.getApiKey('openrouter'), 'sk-or-test-key');
    await vscode.commands.executeCommand(COMMANDS.setApiKey, 'openrouter', '');
    assert.equal(await api.getApiKey('openrouter'), envKey);
  });

  it('answers run commands with nothing to do, and refuses a bad architecture, without failing', async () => {
    assert.equal(await vscode.commands.executeCommand(COMMANDS.stopRun), false);
    assert.equal(await vscode.commands.executeCommand(COMMANDS.resumeRun), undefined);
    assert.match(api.runs.notifications().at(-1)?.message ?? '', /no stopped or failed run to resume/);
    const outcome = await vscode.commands.executeCommand(COMMANDS.runGoal, { goal: 'boot', model: 'anthropic/claude-sonnet-4-6', arch: 'sparc' });
    assert.equal(outcome, undefined);
    const refused = api.runs.notifications().at(-1);
    assert.equal(refused?.severity, 'error');
    assert.match(refused?.message ?? '', /auton\.kernel\.arch \(from Run Goal\): /);
    await vscode.commands.executeCommand(COMMANDS.showRunLog);
    await vscode.commands.executeCommand(COMMANDS.refreshTasks);
  });

  it('refuses to debug a folder that holds no kernel, before starting anything', async () => {
    const started = await vscode.debug.startDebugging(folder, { type: 'auton-kernel', request: 'launch', name: 'kernel' });
    assert.equal(started, false);
    assert.equal(vscode.debug.activeDebugSession, undefined);
  });
});
