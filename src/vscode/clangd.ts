/**
 * clangd for the kernel's C sources. It starts the first time a C file (or header) under a
 * workspace folder's kernels/ is opened, when clangd is on PATH and `auton.clangd.enabled`
 * allows it, reading the compile_commands.json the kernel build wrote for the arch in
 * `auton.kernel.arch`. The language client lives in its own bundle, loaded only then.
 */
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import * as vscode from 'vscode';
import type { Arch, AutonConfig } from '../core/config';
import { artifactsFor } from '../kernel/build';
import { which } from '../kernel/toolchain';
import type * as ClangdModule from './clangdClient';
import { debugArch } from './debugConfig';

export type ClangdState =
  /** auton.clangd.enabled is false. */
  | 'disabled'
  /** clangd is not on PATH. */
  | 'not-installed'
  /** No workspace folder holds kernels/Makefile. */
  | 'no-kernel'
  /** Ready to start with the first kernel C file opened. */
  | 'waiting'
  | 'starting'
  | 'running'
  | 'failed';

interface Wanted {
  readonly enabled: boolean;
  readonly arch: Arch;
}

export class ClangdLauncher implements vscode.Disposable {
  private state: ClangdState = 'disabled';
  private wanted: Wanted | undefined;
  private client: Promise<ClangdModule.ClangdClient | undefined> | undefined;
  private opened: vscode.Disposable | undefined;
  private readonly changed = new vscode.EventEmitter<ClangdState>();
  readonly onDidChangeState = this.changed.event;

  constructor(
    private readonly bundle: string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get current(): ClangdState {
    return this.state;
  }

  /** Applies the settings: (re)starts clangd when whether it is wanted, or for which arch, changed. */
  configure(config: AutonConfig): void {
    const wanted = { enabled: config.clangd.enabled, arch: debugArch(config.kernel.arch) };
    if (this.wanted?.enabled === wanted.enabled && this.wanted.arch === wanted.arch) {
      return;
    }
    this.wanted = wanted;
    void this.stop().then(() => this.wait(wanted));
  }

  private wait(wanted: Wanted): void {
    if (wanted !== this.wanted) {
      return; // the settings changed again meanwhile
    }
    if (!wanted.enabled) {
      return this.set('disabled');
    }
    const clangd = which('clangd');
    if (clangd === undefined) {
      this.log.info('clangd is not installed (Debian package "clangd"); kernel C files get no clangd features');
      return this.set('not-installed');
    }
    const root = vscode.workspace.workspaceFolders?.map((f) => f.uri.fsPath).find((path) => existsSync(join(path, 'kernels', 'Makefile')));
    if (root === undefined) {
      return this.set('no-kernel');
    }
    const kernels = join(root, 'kernels');
    const isKernelSource = (document: vscode.TextDocument) =>
      document.uri.scheme === 'file' && ['c', 'cpp'].includes(document.languageId) && document.uri.fsPath.startsWith(kernels + sep);
    const start = () => {
      this.opened?.dispose();
      this.opened = undefined;
      this.client = this.start(clangd, root, wanted);
    };
    this.set('waiting');
    if (vscode.workspace.textDocuments.some(isKernelSource)) {
      start();
    } else {
      this.opened = vscode.workspace.onDidOpenTextDocument((document) => isKernelSource(document) && start());
    }
  }

  private async start(clangd: string, root: string, wanted: Wanted): Promise<ClangdModule.ClangdClient | undefined> {
    this.set('starting');
    const compileCommands = artifactsFor(root, wanted.arch).compileCommands;
    try {
      // Loaded here, not imported: the language client is its own bundle, read only when used.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { startClangd } = require(this.bundle) as typeof ClangdModule;
      const client = await startClangd({
        clangd,
        kernelsDir: join(root, 'kernels'),
        compileCommandsDir: existsSync(compileCommands) ? join(compileCommands, '..') : undefined,
      });
      this.log.info(`clangd started for ${root}/kernels (${wanted.arch}${existsSync(compileCommands) ? '' : ', no compile_commands.json yet: build the kernel'})`);
      this.set('running');
      return client;
    } catch (error) {
      this.log.error(`clangd could not start: ${error instanceof Error ? error.message : String(error)}`);
      this.set('failed');
      return undefined;
    }
  }

  private async stop(): Promise<void> {
    this.opened?.dispose();
    this.opened = undefined;
    const client = await this.client;
    this.client = undefined;
    await client?.stop().catch(() => undefined);
  }

  private set(state: ClangdState): void {
    this.state = state;
    this.changed.fire(state);
  }

  dispose(): void {
    void this.stop();
    this.changed.dispose();
  }
}
