/**
 * A handler for every contributed command. Goal, run and role commands go to the run
 * controller; the task tree's context menu passes the node it was opened on. Each may also be
 * called with arguments instead of asking (the tests do): Run Goal with `{ goal, model, arch }`,
 * Resume with a run id, a role with its prompt.
 */
import * as vscode from 'vscode';
import type { ConfigResult } from '../core/config';
import { listRuns } from '../core/runStore';
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
import type { RunController, RunGoalArgs } from './runController';
import { runLogUri } from './runLogDocument';
import type { AutonTaskDefinition } from './taskProvider';
import type { TaskTreeNode, TaskTreeProvider } from './taskTree';

export interface CommandContext {
  readonly extension: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly tree: TaskTreeProvider;
  readonly runs: RunController;
  readonly config: () => ConfigResult;
}

/** What the log and task commands take: a tree node, or `{ root, runId, taskId }`. */
type RunRef = TaskTreeNode | { root?: string; runId?: string; taskId?: string } | undefined;

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

/** The run (and task) a command is about: the node given, else the run in progress, else the newest. */
function resolveRef(ref: RunRef, context: CommandContext): { root: string; runId: string; taskId?: string } | undefined {
  if (ref !== undefined && 'kind' in ref) {
    if (ref.kind === 'run') return { root: ref.root, runId: ref.run.id };
    if (ref.kind === 'task') return { root: ref.root, runId: ref.run.id, taskId: ref.task.id };
    return undefined;
  }
  const root = ref?.root ?? context.runs.current?.root ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (root === undefined) return undefined;
  const runId = ref?.runId ?? context.runs.current?.runId ?? listRuns(root)[0]?.id;
  return runId === undefined ? undefined : { root, runId, taskId: ref?.taskId };
}

async function showLog(ref: RunRef, context: CommandContext): Promise<void> {
  const target = resolveRef(ref, context);
  if (target === undefined) {
    context.log.show(true);
    return;
  }
  const doc = await vscode.workspace.openTextDocument(runLogUri(target.root, target.runId, target.taskId));
  await vscode.languages.setTextDocumentLanguage(doc, 'log');
  await vscode.window.showTextDocument(doc, { preview: true });
}

function taskOf(ref: RunRef, context: CommandContext, action: string): { root: string; runId: string; taskId: string } | undefined {
  const target = resolveRef(ref, context);
  if (target?.taskId === undefined) {
    void vscode.window.showWarningMessage(`AUTON: ${action} works on a task: use it from a task in the AUTON task tree.`);
    return undefined;
  }
  return { ...target, taskId: target.taskId };
}

function decide(ref: RunRef, context: CommandContext, accept: boolean, comment?: string): boolean {
  const task = taskOf(ref, context, accept ? 'Accept' : 'Reject');
  if (task === undefined) return false;
  const done = context.runs.decide(task.runId, task.taskId, accept, comment);
  if (!done) void vscode.window.showWarningMessage(`AUTON: task ${task.taskId} is not waiting for your decision.`);
  context.tree.refreshSoon();
  return done;
}

export function registerCommands(context: CommandContext): void {
  const { runs } = context;
  const handlers: Record<CommandId, (...args: never[]) => unknown> = {
    [COMMANDS.runGoal]: (args?: RunGoalArgs) => runs.runGoal(typeof args === 'object' && args !== null ? args : {}),
    [COMMANDS.stopRun]: () => runs.stop(),
    [COMMANDS.resumeRun]: (ref?: string | RunRef) =>
      runs.resume(typeof ref === 'string' ? ref : ref === undefined ? undefined : resolveRef(ref, context)?.runId),
    [COMMANDS.setApiKey]: (providerId?: string, key?: string) =>
      setApiKey(context.extension.secrets, context.log, providerId, key),
    [COMMANDS.showRunLog]: (ref?: RunRef) => showLog(ref !== undefined && 'kind' in ref && ref.kind === 'task' ? { root: ref.root, runId: ref.run.id } : ref, context),
    [COMMANDS.refreshTasks]: () => context.tree.refresh(),
    [COMMANDS.reviewTask]: (ref?: RunRef) => {
      const task = taskOf(ref, context, 'Review Changes');
      return task && runs.openReview(task.runId, task.taskId);
    },
    [COMMANDS.acceptTask]: (ref?: RunRef) => decide(ref, context, true),
    [COMMANDS.rejectTask]: async (ref?: RunRef, feedback?: unknown) => {
      // From the tree's context menu the second argument is the selection, not a comment.
      const comment = (typeof feedback === 'string' ? feedback : undefined) ?? (await vscode.window.showInputBox({
        title: 'AUTON: Reject with Feedback',
        prompt: 'What should the developer change? It goes back to the task with your words.',
        ignoreFocusOut: true,
      }));
      return comment === undefined ? false : decide(ref, context, false, comment.trim() || undefined);
    },
    [COMMANDS.retryTask]: (ref?: RunRef) => {
      const task = taskOf(ref, context, 'Retry');
      return task && runs.retryTask(task.runId, task.taskId);
    },
    [COMMANDS.showTaskLog]: (ref?: RunRef) => showLog(ref, context),
    [COMMANDS.kernelBuild]: () => runKernelTask('build', context),
    [COMMANDS.kernelBoot]: () => runKernelTask('boot', context),
    [COMMANDS.kernelTest]: () => runKernelTask('test', context),
    [COMMANDS.kernelDebug]: () => {
      const folder = firstFolder();
      return folder && vscode.debug.startDebugging(folder, kernelLaunchConfig(debugArch(context.config().config.kernel.arch)));
    },
    ...(Object.fromEntries(
      ROLES.map((role) => [roleCommandId(role.id), (prompt?: string) => runs.runRole(role.id, typeof prompt === 'string' ? prompt : undefined)]),
    ) as Record<ReturnType<typeof roleCommandId>, (prompt?: string) => unknown>),
  };

  for (const [id, handler] of Object.entries(handlers)) {
    context.extension.subscriptions.push(vscode.commands.registerCommand(id, handler));
  }
}
