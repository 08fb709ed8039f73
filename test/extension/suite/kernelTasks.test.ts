/**
 * Kernel tasks and C intelligence on a copy of the kernel inside the test workspace: the
 * `auton` build task turns a deliberate compile error into a Problem at its file and line
 * (through the `$auton-clang` matcher, paths relative to kernels/), the build leaves a
 * compile_commands.json behind, and clangd, where installed, serves kernels/ with it.
 */
import { strict as assert } from 'node:assert';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { which } from '../../../src/kernel/toolchain';
import type { AutonApi } from '../../../src/vscode/activate';

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) {
      throw new Error(`timed out waiting until ${what}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

describe('kernel tasks and clangd on a copy of kernels/', function () {
  this.timeout(120_000);
  let api: AutonApi;
  let workspace: string;
  let kernels: string;

  before(async () => {
    const extension = vscode.extensions.getExtension<AutonApi>('auton-dev.auton');
    assert.ok(extension);
    api = await extension.activate();
    workspace = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    kernels = join(workspace, 'kernels');
    cpSync(join(extension.extensionPath, 'kernels'), kernels, {
      recursive: true,
      filter: (source) => !source.includes(`${join('kernels', 'build')}`),
    });
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // clangd writes its index under kernels/build/ until it stops.
    const settings = vscode.workspace.getConfiguration('auton');
    await settings.update('clangd.enabled', false, vscode.ConfigurationTarget.Workspace);
    await until('clangd has stopped', () => api.clangd.current === 'disabled', 10_000);
    rmSync(kernels, { recursive: true, force: true, maxRetries: 5 });
    await settings.update('clangd.enabled', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('reports a deliberate compile error in Problems, at its file and line', async () => {
    const broken = join(kernels, 'core', 'broken_on_purpose.c');
    writeFileSync(broken, '/* A compile error on purpose, for the extension tests. */\nint broken_on_purpose(void)\n{\n\treturn oops;\n}\n');
    const uri = vscode.Uri.file(broken);
    try {
      const task = (await vscode.tasks.fetchTasks({ type: 'auton' })).find((t) => t.name === 'kernel build (x86_64)');
      assert.ok(task, 'the build task for x86_64');
      const ended = new Promise<vscode.TaskProcessEndEvent>((resolve) => {
        const listener = vscode.tasks.onDidEndTaskProcess((event) => {
          if (event.execution.task.name === task.name) {
            listener.dispose();
            resolve(event);
          }
        });
      });
      await vscode.tasks.executeTask(task);
      assert.equal((await ended).exitCode, 1, 'the build failed');

      const problem = () => vscode.languages.getDiagnostics(uri).find((d) => /undeclared identifier 'oops'/.test(d.message));
      await until('the compile error is a Problem', () => problem() !== undefined, 20_000);
      const found = problem()!;
      assert.equal(found.severity, vscode.DiagnosticSeverity.Error);
      assert.equal(found.range.start.line, 3, 'line 4 in the file');
      assert.equal(found.range.start.character, 8, 'column 9');
      assert.equal(found.source, 'clang');
    } finally {
      rmSync(broken, { force: true });
    }
    assert.ok(existsSync(join(kernels, 'build', 'x86_64', 'compile_commands.json')), 'even a failed build writes compile_commands.json');
  });

  it('starts clangd for kernels/ where it is installed, reading compile_commands.json', async () => {
    const settings = vscode.workspace.getConfiguration('auton');
    // kernels/ appeared after activation: turning clangd off and on looks for it again.
    await settings.update('clangd.enabled', false, vscode.ConfigurationTarget.Workspace);
    await until('clangd is off', () => api.clangd.current === 'disabled', 10_000);
    await settings.update('clangd.enabled', true, vscode.ConfigurationTarget.Workspace);
    if (which('clangd') === undefined) {
      await until('clangd is reported missing', () => api.clangd.current === 'not-installed', 10_000);
      return;
    }
    await until('clangd waits for a kernel C file', () => api.clangd.current === 'waiting', 10_000);

    const mainC = vscode.Uri.file(join(kernels, 'core', 'main.c'));
    const document = await vscode.workspace.openTextDocument(mainC);
    await vscode.window.showTextDocument(document);
    await until('clangd runs', () => api.clangd.current === 'running', 30_000);

    // printk is declared in a header found only through the include paths in compile_commands.json.
    const call = readFileSync(mainC.fsPath, 'utf8').split('\n').findIndex((line) => line.includes('printk("AUTON'));
    const position = new vscode.Position(call, document.lineAt(call).text.indexOf('printk') + 2);
    let targets: (vscode.Location | vscode.LocationLink)[] = [];
    await until('clangd finds where printk is declared', async () => {
      targets = (await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', mainC, position)) ?? [];
      return targets.length > 0;
    }, 60_000);
    const target = targets[0]!;
    const targetUri = 'targetUri' in target ? target.targetUri : target.uri;
    assert.ok(targetUri.fsPath.startsWith(kernels), targetUri.fsPath);
    assert.match(readFileSync(targetUri.fsPath, 'utf8'), /printk\(/);
  });
});
