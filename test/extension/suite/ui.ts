/**
 * The suite side of ../uiProtocol.ts: asks the harness to play steps in the workbench page
 * (playwright) and waits for its answer file.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { UI_REQUEST_PREFIX, UI_REQUEST_SUFFIX, type UiAnswer, type UiStep } from '../uiProtocol';

let next = 0;

export async function ui(steps: UiStep[], ms = 90_000): Promise<UiAnswer> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (folder === undefined) throw new Error('the UI bridge needs the test workspace folder open');
  const id = `ui-${process.pid}-${next++}`;
  // The scratch run folder beside the workspace, inside .test-tmp/ where the harness writes.
  const reply = join(folder, '..', 'ui', `${id}.json`);
  rmSync(reply, { force: true });
  console.log(`${UI_REQUEST_PREFIX}${JSON.stringify({ id, reply, steps })}${UI_REQUEST_SUFFIX}`);
  const end = Date.now() + ms;
  while (!existsSync(reply)) {
    if (Date.now() > end) throw new Error(`the harness did not answer UI request ${id} within ${ms / 1000} s: ${JSON.stringify(steps)}`);
    await new Promise((done) => setTimeout(done, 50));
  }
  const answer = JSON.parse(readFileSync(reply, 'utf8')) as UiAnswer;
  if (!answer.ok) throw new Error(`UI request ${id} failed: ${answer.error ?? 'no reason given'}`);
  return answer;
}

/** Selectors of the VS Code 1.100 workbench the suites use. */
export const UI = {
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  toast: '.notifications-toasts .notification-toast',
  toastButton: '.notifications-toasts .notification-toast .monaco-button',
  sidebar: '.part.sidebar',
  treeRow: '.part.sidebar .monaco-list-row',
  hover: '.monaco-hover',
  menuItem: '.context-view .monaco-menu .action-item',
  statusBar: '.part.statusbar',
} as const;
