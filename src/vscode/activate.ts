/** Wires the extension together: settings, task tree, tasks, debug, status bar, commands. */
import * as vscode from 'vscode';
import { formatProblem, type ConfigResult } from '../core/config';
import { getApiKey } from './apiKeys';
import { registerCommands } from './commands';
import { AUTON_TASK_TYPE, DEBUG_TYPE, TASKS_VIEW } from './contributions';
import { ClangdLauncher } from './clangd';
import { KernelDebugAdapterFactory, KernelDebugConfigurationResolver, KernelDebugConfigurations } from './debugConfig';
import { AgentChannels } from './outputChannels';
import { createReviewController, type ReviewController } from './review';
import { RunController } from './runController';
import { LOG_SCHEME, RunLogDocuments } from './runLogDocument';
import { onConfigChange, readConfig } from './settings';
import { AutonStatusBar } from './statusBar';
import { AutonTaskProvider } from './taskProvider';
import { TaskTreeProvider } from './taskTree';

/** What `activate` returns: used by the extension tests, and later by other extensions. */
export interface AutonApi {
  /** How long `activate` took, in milliseconds. */
  readonly activationMs: number;
  config(): ConfigResult;
  getApiKey(provider: string): Promise<string | undefined>;
  readonly taskTree: TaskTreeProvider;
  /** Runs of the engine in this window: Run Goal, Stop, Resume, roles, notifications shown. */
  readonly runs: RunController;
  /** The agents' output channels. */
  readonly channels: AgentChannels;
  readonly statusBar: AutonStatusBar;
  /** The inline review, when it could be started. */
  readonly review: ReviewController | undefined;
  /** clangd for kernels/: whether it runs, and why not. */
  readonly clangd: ClangdLauncher;
  /** Where VS Code writes the extension's log channels (one `<name>.log` per channel). */
  readonly logDir: string;
}

function logConfig(log: vscode.LogOutputChannel, result: ConfigResult): void {
  for (const problem of result.problems) {
    log.warn(formatProblem(problem));
  }
}

export function activateAuton(context: vscode.ExtensionContext): AutonApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('AUTON', { log: true });
  let current = readConfig();
  logConfig(log, current);

  const tree = new TaskTreeProvider();
  const statusBar = new AutonStatusBar();
  statusBar.update(current);
  const channels = new AgentChannels();
  const logDocs = new RunLogDocuments();
  let review: ReviewController | undefined;
  try {
    review = createReviewController(context);
    context.subscriptions.push(review, review.onDidChange(() => tree.refreshSoon()));
  } catch (error) {
    log.warn(`inline review unavailable (${(error as Error).message}); human review mode uses the task tree's Accept / Reject`);
  }
  const runs = new RunController({
    extension: context, log, tree, channels, statusBar, logDocs, review, engineBundle: context.asAbsolutePath('dist/engine.js'),
  });
  const treeView = vscode.window.createTreeView(TASKS_VIEW, { treeDataProvider: tree, showCollapseAll: true });
  tree.isVisible = () => treeView.visible;
  const arch = () => current.config.kernel.arch;
  // The folders too: a new run may create `.auton` and its state in one go, and a watcher
  // reports only the outermost new folder then.
  const clangd = new ClangdLauncher(context.asAbsolutePath('dist/clangd.js'), log);
  clangd.configure(current.config);
  const runsWatcher = vscode.workspace.createFileSystemWatcher('**/{.auton,.auton/runs,.auton/runs/*,.auton/runs/*/state.json}');

  context.subscriptions.push(
    log,
    statusBar,
    channels,
    logDocs,
    runs,
    tree,
    runsWatcher,
    runsWatcher.onDidCreate(() => tree.refreshSoon()),
    runsWatcher.onDidChange(() => tree.refreshSoon()),
    runsWatcher.onDidDelete(() => tree.refreshSoon()),
    vscode.workspace.onDidChangeWorkspaceFolders(() => tree.refresh()),
    treeView,
    vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, logDocs),
    vscode.tasks.registerTaskProvider(AUTON_TASK_TYPE, new AutonTaskProvider(context.asAbsolutePath('dist/cli.js'), arch)),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new KernelDebugConfigurations()),
    vscode.debug.registerDebugConfigurationProvider(
      DEBUG_TYPE,
      new KernelDebugConfigurations(),
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new KernelDebugConfigurationResolver(arch)),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new KernelDebugAdapterFactory(context.asAbsolutePath('dist/debugAdapter.js'))),
    clangd,
    onConfigChange((result) => {
      current = result;
      statusBar.update(result);
      logConfig(log, result);
      clangd.configure(result.config);
    }),
  );
  registerCommands({ extension: context, log, tree, runs, config: () => current });

  const activationMs = performance.now() - started;
  const version = String((context.extension.packageJSON as { version?: unknown }).version);
  log.info(`AUTON ${version} activated in ${activationMs.toFixed(1)} ms`);
  return {
    activationMs,
    config: () => current,
    getApiKey: (provider) => getApiKey(context.secrets, provider),
    taskTree: tree,
    runs,
    channels,
    statusBar,
    review,
    clangd,
    logDir: context.logUri.fsPath,
  };
}
