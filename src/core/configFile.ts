/**
 * The headless configuration: `.auton/config.json` in the project folder, overridden by
 * `AUTON_*` environment variables. The extension reads VS Code settings instead; both end in
 * `resolveConfig`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envLayer, flattenSettings, resolveConfig, type ConfigLayer, type ConfigResult } from './config';

export const PROJECT_CONFIG_FILE = join('.auton', 'config.json');

export interface ProjectConfig extends ConfigResult {
  /** Absolute path of `.auton/config.json`, and whether it exists. */
  readonly file: string;
  readonly fileFound: boolean;
}

/** `extra` layers (e.g. command-line options) win over the file and the environment. */
export function loadProjectConfig(
  root: string,
  env: Readonly<Record<string, string | undefined>>,
  extra: readonly ConfigLayer[] = [],
): ProjectConfig {
  const file = join(root, PROJECT_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { ...resolveConfig([envLayer(env), ...extra]), file, fileFound: false };
    }
    throw error;
  }

  const fileProblem = (message: string): ProjectConfig => {
    const result = resolveConfig([envLayer(env), ...extra]);
    const problem = { key: '', source: PROJECT_CONFIG_FILE, message };
    return { ...result, problems: [problem, ...result.problems], file, fileFound: true };
  };
  let tree: unknown;
  try {
    tree = JSON.parse(text);
  } catch (error) {
    return fileProblem(`is not valid JSON (${(error as Error).message}); fix the file or delete it`);
  }
  if (typeof tree !== 'object' || tree === null || Array.isArray(tree)) {
    return fileProblem('must hold a JSON object such as {"budget": {"maxUsd": 5}}');
  }
  const fileLayer: ConfigLayer = {
    source: PROJECT_CONFIG_FILE,
    values: flattenSettings(tree as Record<string, unknown>),
  };
  return { ...resolveConfig([fileLayer, envLayer(env), ...extra]), file, fileFound: true };
}
