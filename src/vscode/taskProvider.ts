/**
 * Tasks of type `auton`: `kernel build|boot|test` for one architecture or all, run in a
 * workspace folder through the bundled CLI (`node <extension>/dist/cli.js kernel <action>
 * --arch <arch>`), so the terminal shows exactly what `npx auton` would.
 */
import * as vscode from 'vscode';
import { ARCH_CHOICES, type ArchChoice } from '../core/config';
import { AUTON_TASK_TYPE, KERNEL_ACTIONS, type KernelAction } from './contributions';

/** Mirrors `taskDefinitions` in package.json. */
export interface AutonTaskDefinition extends vscode.TaskDefinition {
  readonly action: KernelAction;
  /** Absent means the `auton.kernel.arch` setting. */
  readonly arch?: ArchChoice;
}

function isDefinition(definition: vscode.TaskDefinition): definition is AutonTaskDefinition {
  const { action, arch } = definition as { action?: unknown; arch?: unknown };
  return (
    (KERNEL_ACTIONS as readonly unknown[]).includes(action) &&
    (arch === undefined || (ARCH_CHOICES as readonly unknown[]).includes(arch))
  );
}

export class AutonTaskProvider implements vscode.TaskProvider {
  constructor(
    private readonly cliPath: string,
    private readonly defaultArch: () => ArchChoice,
  ) {}

  provideTasks(): vscode.Task[] {
    return (vscode.workspace.workspaceFolders ?? []).flatMap((folder) =>
      KERNEL_ACTIONS.flatMap((action) =>
        ARCH_CHOICES.map((arch) => this.toTask({ type: AUTON_TASK_TYPE, action, arch }, folder)),
      ),
    );
  }

  /** Fills in the execution of an `auton` task written in tasks.json. */
  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const folder = task.scope;
    if (!isDefinition(task.definition) || typeof folder !== 'object') {
      return undefined;
    }
    return this.toTask(task.definition, folder);
  }

  private toTask(definition: AutonTaskDefinition, folder: vscode.WorkspaceFolder): vscode.Task {
    const arch = definition.arch ?? this.defaultArch();
    const execution = new vscode.ShellExecution('node', [this.cliPath, 'kernel', definition.action, '--arch', arch], {
      cwd: folder.uri.fsPath,
    });
    const task = new vscode.Task(
      definition,
      folder,
      `kernel ${definition.action} (${arch})`,
      AUTON_TASK_TYPE,
      execution,
      ['$auton-clang'],
    );
    if (definition.action === 'build') {
      task.group = vscode.TaskGroup.Build;
    } else if (definition.action === 'test') {
      task.group = vscode.TaskGroup.Test;
    }
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, clear: true };
    return task;
  }
}
