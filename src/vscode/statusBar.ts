/**
 * The AUTON status bar item: the default model and budget at a glance, or a warning that
 * opens the settings when they are invalid; while a run goes on (and after it ended), its state
 * and what it has spent, live. A click shows the task tree.
 */
import * as vscode from 'vscode';
import { formatProblem, type ConfigResult } from '../core/config';
import { formatModelRef } from '../llm/providers';
import { SETTINGS_QUERY } from './contributions';
import { formatUsd, statusLook } from './taskTree';

export const OPEN_AUTON_SETTINGS = {
  command: 'workbench.action.openSettings',
  title: 'Open Settings',
  arguments: [SETTINGS_QUERY],
} as const satisfies vscode.Command;

export const SHOW_TASK_TREE = { command: 'workbench.view.extension.auton', title: 'Show the AUTON task tree' } as const satisfies vscode.Command;

export interface RunState {
  readonly runId: string;
  readonly goal: string;
  readonly status: string;
  readonly usd: number;
}

const RUN_ICONS: Readonly<Record<string, string>> = {
  running: 'sync~spin',
  stopping: 'loading~spin',
  succeeded: 'pass',
  failed: 'error',
  stopped: 'debug-stop',
};

export class AutonStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('auton.status', vscode.StatusBarAlignment.Left, 10);
  private config: ConfigResult | undefined;
  private run: RunState | undefined;

  constructor() {
    this.item.name = 'AUTON';
  }

  /** What the item shows now (for the tests). */
  get text(): string {
    return this.item.text;
  }

  get tooltip(): string {
    const tooltip = this.item.tooltip;
    return typeof tooltip === 'string' ? tooltip : (tooltip?.value ?? '');
  }

  update(result: ConfigResult): void {
    this.config = result;
    this.render();
  }

  setRun(run: RunState | undefined): void {
    this.run = run;
    this.render();
  }

  private render(): void {
    const problems = this.config?.problems ?? [];
    if (this.run !== undefined) {
      const { run } = this;
      const label = run.status === 'stopping' ? 'stopping' : statusLook(run.status).label;
      this.item.text = `$(${RUN_ICONS[run.status] ?? 'circuit-board'}) AUTON ${label} · ${formatUsd(run.usd)}`;
      this.item.tooltip = `AUTON run ${run.runId}: "${run.goal}" ${label}, ${formatUsd(run.usd)} spent.${
        problems.length > 0 ? ` Settings need attention: ${problems.map(formatProblem).join('; ')}.` : ''
      } Click for the task tree.`;
      this.item.backgroundColor = run.status === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
      this.item.command = SHOW_TASK_TREE;
    } else if (problems.length > 0) {
      this.item.text = '$(warning) AUTON';
      this.item.tooltip = `AUTON settings need attention:\n${problems.map(formatProblem).join('\n')}`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      this.item.command = OPEN_AUTON_SETTINGS;
    } else if (this.config !== undefined) {
      const { config } = this.config;
      const usd = config.budget.maxUsd === 0 ? 'no cost limit' : `up to $${config.budget.maxUsd}`;
      this.item.text = '$(circuit-board) AUTON';
      this.item.tooltip = `AUTON: ${formatModelRef(config.models.default)}, ${usd}, kernel ${config.kernel.arch}. Click for the task tree.`;
      this.item.backgroundColor = undefined;
      this.item.command = SHOW_TASK_TREE;
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
