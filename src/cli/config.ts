/** `auton config show|check`: the effective configuration of the project in the current folder. */
import type { Command } from 'commander';
import { formatProblem } from '../core/config';
import { loadProjectConfig, PROJECT_CONFIG_FILE, type ProjectConfig } from '../core/configFile';
import { formatModelRef, KEYED_PROVIDERS } from '../llm/providers';

export function registerConfigCommands(program: Command): void {
  const config = program
    .command('config')
    .description(`show or check the configuration (${PROJECT_CONFIG_FILE} overridden by AUTON_* environment variables)`);

  config
    .command('show')
    .description('print every setting with its effective value and where it came from')
    .option('--json', 'print JSON instead of a table')
    .action((options: { json?: boolean }) => {
      const project = loadProjectConfig(process.cwd(), process.env);
      process.stdout.write(options.json ? `${JSON.stringify(showJson(project), null, 2)}\n` : showText(project));
      reportProblems(project);
    });

  config
    .command('check')
    .description('validate the configuration; exits 1 and names each problem if it is invalid')
    .action(() => {
      const project = loadProjectConfig(process.cwd(), process.env);
      if (!reportProblems(project)) {
        const fromEnv = project.settings.filter((s) => s.source === 'env').length;
        process.stdout.write(
          `configuration OK (${fileState(project)}; ${fromEnv} setting(s) from AUTON_* environment variables)\n`,
        );
      }
    });
}

function fileState(project: ProjectConfig): string {
  return `${PROJECT_CONFIG_FILE} ${project.fileFound ? 'read' : 'not found, defaults used'}`;
}

/** Prints problems to stderr and sets exit status 1; returns whether there were any. */
function reportProblems(project: ProjectConfig): boolean {
  if (project.problems.length === 0) {
    return false;
  }
  for (const problem of project.problems) {
    process.stderr.write(`auton: ${formatProblem(problem)}\n`);
  }
  process.stderr.write(
    `auton: ${project.problems.length} configuration problem(s); fix them and run "auton config check" again\n`,
  );
  process.exitCode = 1;
  return true;
}

interface Row {
  readonly key: string;
  readonly value: string;
  readonly source: string;
}

function rows(project: ProjectConfig): Row[] {
  const defaultModel = formatModelRef(project.config.models.default);
  return project.settings.map((s) =>
    s.key.startsWith('models.') && s.value === ''
      ? { key: s.key, value: defaultModel, source: 'models.default' }
      : { key: s.key, value: typeof s.value === 'string' ? s.value : JSON.stringify(s.value), source: s.source },
  );
}

function apiKeys(): { provider: string; env: string; set: boolean }[] {
  return KEYED_PROVIDERS.map((p) => ({ provider: p.id, env: p.apiKeyEnv, set: Boolean(process.env[p.apiKeyEnv]) }));
}

function showText(project: ProjectConfig): string {
  const table = rows(project);
  const keyWidth = Math.max(...table.map((r) => r.key.length));
  const valueWidth = Math.max(...table.map((r) => r.value.length));
  const lines = [
    `AUTON configuration for ${process.cwd()} (${fileState(project)})`,
    '',
    ...table.map((r) => `  ${r.key.padEnd(keyWidth)}  ${r.value.padEnd(valueWidth)}  ${r.source}`),
    '',
    'API keys from the environment (the extension keeps its own in VS Code secret storage):',
    ...apiKeys().map((k) => `  ${k.provider.padEnd(keyWidth)}  ${k.env.padEnd(valueWidth)}  ${k.set ? 'set' : 'not set'}`),
  ];
  return `${lines.join('\n')}\n`;
}

function showJson(project: ProjectConfig): object {
  return {
    file: project.file,
    fileFound: project.fileFound,
    config: project.config,
    settings: project.settings,
    problems: project.problems.map(formatProblem),
    apiKeys: apiKeys(),
  };
}
