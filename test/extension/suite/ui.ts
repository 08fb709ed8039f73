/**
 * Plays UI steps (../uiProtocol.ts) in the workbench page through the harness's UI driver
 * (../uiDriver.ts, reached at the address in AUTON_TEST_UI), as a person would.
 */
import type { UiAnswer, UiStep } from '../uiProtocol';

export async function ui(steps: UiStep[]): Promise<UiAnswer> {
  const url = process.env.AUTON_TEST_UI;
  if (!url) throw new Error('AUTON_TEST_UI is not set: run the suites through test/extension/runInCodeServer.ts');
  const res = await fetch(url, { method: 'POST', body: JSON.stringify({ action: 'steps', steps }) });
  const text = await res.text();
  if (!res.ok) throw new Error(`the UI driver failed: ${text}`);
  const answer = JSON.parse(text) as UiAnswer;
  if (!answer.ok) throw new Error(`UI steps failed: ${answer.error ?? 'no reason given'}`);
  return answer;
}

/** Selectors of the VS Code 1.100 workbench the suites use. */
export const UI = {
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  toast: '.notifications-toasts .notification-toast',
  toastButton: '.notifications-toasts .notification-toast .monaco-button',
  centerItem: '.notifications-center .notification-list-item',
  centerButton: '.notifications-center .notification-list-item .monaco-button',
  sidebar: '.part.sidebar',
  statusBar: '.part.statusbar',
  treeRow: '.part.sidebar .monaco-list-row',
  hover: '.monaco-hover',
  menuItem: '.context-view .monaco-menu .action-item',
} as const;
