/**
 * The AUTON view's task tree: one node per run found in `.auton/runs/<id>/state.json` of each
 * workspace folder, its tasks beneath. With a folder open but no runs it shows a single
 * "No runs yet" item that starts a goal; with no folder it is empty, so the welcome view shows.
 */
import * as vscode from 'vscode';
import { listRuns, type RunSnapshot, type TaskSnapshot } from '../core/runStore';
import { COMMANDS } from './contributions';

export type TaskTreeNode =
  | { readonly kind: 'run'; readonly run: RunSnapshot }
  | { readonly kind: 'task'; readonly task: TaskSnapshot }
  | { readonly kind: 'empty' };

const STATUS_ICONS: Readonly<Record<string, [string, string?]>> = {
  done: ['pass', 'testing.iconPassed'],
  passed: ['pass', 'testing.iconPassed'],
  merged: ['git-merge', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  rejected: ['close', 'testing.iconFailed'],
  running: ['sync~spin'],
  review: ['eye'],
  stopped: ['debug-stop'],
  pending: ['circle-outline'],
  ready: ['circle-outline'],
  unreadable: ['warning', 'problemsWarningIcon.foreground'],
};

function statusIcon(status: string): vscode.ThemeIcon {
  const [id, color] = STATUS_ICONS[status] ?? ['circle-outline'];
  return new vscode.ThemeIcon(id, color === undefined ? undefined : new vscode.ThemeColor(color));
}

export class TaskTreeProvider implements vscode.TreeDataProvider<TaskTreeNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  getChildren(node?: TaskTreeNode): TaskTreeNode[] {
    if (node === undefined) {
      const folders = vscode.workspace.workspaceFolders ?? [];
      if (folders.length === 0) {
        return [];
      }
      const runs = folders.flatMap((folder) => listRuns(folder.uri.fsPath));
      return runs.length === 0 ? [{ kind: 'empty' }] : runs.map((run) => ({ kind: 'run', run }));
    }
    if (node.kind === 'run') {
      return node.run.tasks.map((task) => ({ kind: 'task', task }));
    }
    return [];
  }

  getTreeItem(node: TaskTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'empty': {
        const item = new vscode.TreeItem('No runs yet');
        item.description = 'Run Goal to start one';
        item.iconPath = new vscode.ThemeIcon('play');
        item.command = { command: COMMANDS.runGoal, title: 'Run Goal' };
        return item;
      }
      case 'run': {
        const { run } = node;
        const state = run.tasks.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None;
        const item = new vscode.TreeItem(run.goal, state);
        item.description = `${run.status} · ${run.id}`;
        item.tooltip = run.error === undefined ? `${run.goal}\n${run.status}` : `${run.id}: ${run.error}`;
        item.iconPath = statusIcon(run.status);
        item.contextValue = 'auton.run';
        return item;
      }
      case 'task': {
        const { task } = node;
        const item = new vscode.TreeItem(task.title);
        item.description = task.role === undefined ? task.status : `${task.status} · ${task.role}`;
        item.iconPath = statusIcon(task.status);
        item.contextValue = 'auton.task';
        return item;
      }
    }
  }
}
