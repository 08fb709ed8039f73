/**
 * The AUTON status bar item: the default model and budget at a glance, or a warning that
 * opens the settings when they are invalid.
 */
import * as vscode from 'vscode';
import { formatProblem, type ConfigResult } from '../core/config';
import { formatModelRef } from '../llm/providers';
import { COMMANDS, SETTINGS_QUERY } from './contributions';

export const OPEN_AUTON_SETTINGS = {
  command: 'workbench.action.openSettings',
  title: 'Open Settings',
  arguments: [SETTINGS_QUERY],
} as const satisfies vscode.Command;

export class AutonStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('auton.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'AUTON';
  }

  update(result: ConfigResult): void {
    const { config, problems } = result;
    if (problems.length > 0) {
      this.item.text = '$(warning) AUTON';
      this.item.tooltip = `AUTON settings need attention:\n${problems.map(formatProblem).join('\n')}`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      this.item.command = OPEN_AUTON_SETTINGS;
    } else {
      const usd = config.budget.maxUsd === 0 ? 'no cost limit' : `up to $${config.budget.maxUsd}`;
      this.item.text = '$(circuit-board) AUTON';
      this.item.tooltip = `AUTON: ${formatModelRef(config.models.default)}, ${usd}, kernel ${config.kernel.arch}. Click for the run log.`;
      this.item.backgroundColor = undefined;
      this.item.command = COMMANDS.showRunLog;
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
