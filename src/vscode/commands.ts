/**
 * A handler for every contributed command. Goal and role commands need the orchestration
 * engine, which this version does not have yet: they say so and offer the settings, without
 * waiting for the user, so callers of `executeCommand` are not held up.
 */
import * as vscode from 'vscode';
import type { ConfigResult } from '../core/config';
import { ROLES } from '../core/roles';
import { setApiKey } from './apiKeys';
import {
  AUTON_TASK_TYPE,
  COMMANDS,
  roleCommandId,
  type CommandId,
  type KernelAction,
} from './contributions';
import { debugArch, kernelLaunchConfig } from './debugConfig';
import { OPEN_AUTON_SETTINGS } from './statusBar';
import type { AutonTaskDefinition } from './taskProvider';
import type { TaskTreeProvider } from './taskTree';

export interface CommandContext {
  readonly extension: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly tree: TaskTreeProvider;
  readonly config: () => ConfigResult;
}

function engineNotAvailable(action: string, version: string): void {
  const message = `AUTON: ${action} needs the orchestration engine, which is not available in AUTON ${version} yet. You can already choose models and budgets and store API keys.`;
  void vscode.window.showInformationMessage(message, OPEN_AUTON_SETTINGS.title).then((choice) => {
    if (choice === OPEN_AUTON_SETTINGS.title) {
      void vscode.commands.executeCommand(OPEN_AUTON_SETTINGS.command, ...OPEN_AUTON_SETTINGS.arguments);
    }
  });
}

function firstFolder(): vscode.WorkspaceFolder | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder === undefined) {
    void vscode.window.showWarningMessage('AUTON: open the AUTON repository folder first; the kernel is built inside it.');
  }
  return folder;
}

async function runKernelTask(action: KernelAction, context: CommandContext): Promise<void> {
  if (firstFolder() === undefined) {
    return;
  }
  const arch = context.config().config.kernel.arch;
  const tasks = await vscode.tasks.fetchTasks({ type: AUTON_TASK_TYPE });
  const task = tasks.find((t) => {
    const definition = t.definition as AutonTaskDefinition;
    return definition.action === action && definition.arch === arch;
  });
  if (task === undefined) {
    throw new Error(`AUTON: no "kernel ${action}" task for ${arch}; the task provider did not offer one`);
  }
  await vscode.tasks.executeTask(task);
}

export function registerCommands(context: CommandContext): void {
  const version = String((context.extension.extension.packageJSON as { version?: unknown }).version);
  const notYet = (action: string) => () => engineNotAvailable(action, version);

  const handlers: Record<CommandId, (...args: never[]) => unknown> = {
    [COMMANDS.runGoal]: notYet('Run Goal'),
    [COMMANDS.stopRun]: notYet('Stop Run'),
    [COMMANDS.resumeRun]: notYet('Resume Run'),
    [COMMANDS.setApiKey]: (providerId?: string, key?: string) =>
      setApiKey(context.extension.secrets, context.log, providerId, key),
    [COMMANDS.showRunLog]: () => context.log.show(true),
    [COMMANDS.refreshTasks]: () => context.tree.refresh(),
    [COMMANDS.kernelBuild]: () => runKernelTask('build', context),
    [COMMANDS.kernelBoot]: () => runKernelTask('boot', context),
    [COMMANDS.kernelTest]: () => runKernelTask('test', context),
    [COMMANDS.kernelDebug]: () => {
      const folder = firstFolder();
      return folder && vscode.debug.startDebugging(folder, kernelLaunchConfig(debugArch(context.config().config.kernel.arch)));
    },
    ...(Object.fromEntries(
      ROLES.map((role) => [roleCommandId(role.id), notYet(`Running the ${role.label} agent alone (it ${role.does})`)]),
    ) as Record<ReturnType<typeof roleCommandId>, () => void>),
  };

  for (const [id, handler] of Object.entries(handlers)) {
    context.extension.subscriptions.push(vscode.commands.registerCommand(id, handler));
  }
}
