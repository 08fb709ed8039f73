/**
 * A kernel debug session in the real extension host: started with
 * vscode.debug.startDebugging, it builds the kernel, boots it in QEMU with a gdb stub and
 * stops at a breakpoint set in kmain's source through the VS Code API; stopping the session
 * stops QEMU. The adapter is dist/debugAdapter.js, as installed.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as vscode from 'vscode';
import type { AutonApi } from '../../../src/vscode/activate';

const ARCH = 'x86_64';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('kernel debugging in VS Code (QEMU + gdb-multiarch)', function () {
  this.timeout(180_000);
  const fromAdapter: DebugProtocol.ProtocolMessage[] = [];
  const disposables: vscode.Disposable[] = [];
  let root: string;
  let api: AutonApi;

  const next = async <T extends DebugProtocol.Event>(event: string, ms = 150_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const index = fromAdapter.findIndex((m) => m.type === 'event' && (m as DebugProtocol.Event).event === event);
      if (index >= 0) {
        return fromAdapter.splice(index, 1)[0] as T;
      }
      if (Date.now() > end) {
        throw new Error(`no "${event}" event from the kernel debug adapter within ${ms / 1000} s`);
      }
      await new Promise((done) => setTimeout(done, 100));
    }
  };

  before(async () => {
    const extension = vscode.extensions.getExtension<AutonApi>('auton-dev.auton');
    assert.ok(extension);
    api = await extension.activate();
    // The extension's own folder is the AUTON repository, kernels/ and all.
    root = extension.extensionPath;
    disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory('auton-kernel', {
        createDebugAdapterTracker: () => ({ onDidSendMessage: (message: DebugProtocol.ProtocolMessage) => fromAdapter.push(message) }),
      }),
    );
  });

  after(() => {
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    for (const disposable of disposables) {
      disposable.dispose();
    }
  });

  it('"AUTON: Debug Kernel" debugs the arch in settings, in the open folder', async () => {
    // A provider registered after AUTON's sees the configuration AUTON resolved, and cancels it.
    const resolved: vscode.DebugConfiguration[] = [];
    const capture = vscode.debug.registerDebugConfigurationProvider('auton-kernel', {
      resolveDebugConfiguration: (_folder, config) => {
        resolved.push(config);
        return undefined;
      },
    });
    const settings = vscode.workspace.getConfiguration('auton');
    try {
      await settings.update('kernel.arch', 'aarch64', vscode.ConfigurationTarget.Workspace);
      while (api.config().config.kernel.arch !== 'aarch64') {
        await new Promise((done) => setTimeout(done, 50));
      }
      await vscode.commands.executeCommand('auton.kernel.debug');
      assert.equal(resolved.length, 1);
      const [config] = resolved;
      assert.equal(config?.name, 'Debug kernel (aarch64)');
      assert.equal(config?.arch, 'aarch64');
      assert.equal(config?.stopAtEntry, true);
      assert.equal(config?.root, '${workspaceFolder}', 'VS Code puts the open folder in next');
    } finally {
      capture.dispose();
      await settings.update('kernel.arch', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it(`stops at a breakpoint in kmain (${ARCH}), and stopping the session stops QEMU`, async () => {
    const mainC = join(root, 'kernels', 'core', 'main.c');
    const kmainLine = readFileSync(mainC, 'utf8').split('\n').findIndex((line) => line.startsWith('void kmain('));
    assert.ok(kmainLine > 0);
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(vscode.Uri.file(mainC), new vscode.Position(kmainLine, 0)))]);

    const folder = vscode.workspace.workspaceFolders![0]!;
    const terminated = new Promise<vscode.DebugSession>((resolve) => {
      disposables.push(vscode.debug.onDidTerminateDebugSession(resolve));
    });
    const started = await vscode.debug.startDebugging(folder, {
      type: 'auton-kernel',
      request: 'launch',
      name: `Debug kernel (${ARCH})`,
      arch: ARCH,
      root,
      stopAtEntry: false,
    });
    assert.equal(started, true, 'the session started');
    const session = vscode.debug.activeDebugSession;
    assert.equal(session?.type, 'auton-kernel');

    const qemu = (await next<DebugProtocol.ProcessEvent>('process')).body.systemProcessId!;
    assert.ok(alive(qemu), 'QEMU runs');
    const stopped = await next<DebugProtocol.StoppedEvent>('stopped');
    assert.equal(stopped.body.reason, 'breakpoint');

    const trace = (await session.customRequest('stackTrace', { threadId: stopped.body.threadId, levels: 5 })) as DebugProtocol.StackTraceResponse['body'];
    const [top] = trace.stackFrames;
    assert.equal(top?.name, 'kmain');
    // In a remote window (code-server) VS Code hands paths back as vscode-remote URIs.
    const path = top?.source?.path ?? '';
    assert.equal(/^[a-z-]+:\/\//.test(path) ? vscode.Uri.parse(path).path : path, mainC);
    assert.ok(top.line > kmainLine, `stopped on line ${top.line}, the first statement`);

    await vscode.debug.stopDebugging(session);
    await terminated;
    const end = Date.now() + 10_000;
    while (alive(qemu) && Date.now() < end) {
      await new Promise((done) => setTimeout(done, 100));
    }
    assert.equal(alive(qemu), false, 'QEMU is gone');
  });
});
