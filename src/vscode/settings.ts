/**
 * The one place the extension reads `auton.*` settings. Values explicitly set in user,
 * workspace or folder settings become layers for the core resolver, which supplies defaults
 * and validates, exactly as it does for the CLI's `.auton/config.json`.
 */
import * as vscode from 'vscode';
import { resolveConfig, SETTINGS, type ConfigLayer, type ConfigResult } from '../core/config';

export const SECTION = 'auton';

function settingsLayers(): ConfigLayer[] {
  const configuration = vscode.workspace.getConfiguration(SECTION, vscode.workspace.workspaceFolders?.[0]?.uri);
  const user: Record<string, unknown> = {};
  const workspace: Record<string, unknown> = {};
  const folder: Record<string, unknown> = {};
  for (const { key } of SETTINGS) {
    const values = configuration.inspect(key);
    user[key] = values?.globalValue;
    workspace[key] = values?.workspaceValue;
    folder[key] = values?.workspaceFolderValue;
  }
  const layers = [
    { source: 'user settings', values: user },
    { source: 'workspace settings', values: workspace },
  ];
  // With a single folder open, its settings are the workspace settings; only a multi-root
  // workspace (a .code-workspace file) has folder settings of its own.
  if (vscode.workspace.workspaceFile !== undefined) {
    layers.push({ source: 'folder settings', values: folder });
  }
  return layers;
}

/** The settings, with `extra` layers (e.g. the model and arch picked for one run) on top. */
export function readConfig(extra: readonly ConfigLayer[] = []): ConfigResult {
  return resolveConfig([...settingsLayers(), ...extra]);
}

/** Calls `listener` with the new configuration whenever an `auton.*` setting changes. */
export function onConfigChange(listener: (result: ConfigResult) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration(SECTION)) {
      listener(readConfig());
    }
  });
}
