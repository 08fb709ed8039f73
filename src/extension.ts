import type * as vscode from 'vscode';
import { activateAuton, type AutonApi } from './vscode/activate';

export function activate(context: vscode.ExtensionContext): AutonApi {
  return activateAuton(context);
}

export function deactivate(): void {}
