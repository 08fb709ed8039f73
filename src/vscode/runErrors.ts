/**
 * Why a run could not start or ended badly, in the terms of what fixes it: a missing or refused
 * API key (store one), a model that cannot be reached (check the model settings and endpoint),
 * kernel tools that are not installed (install them). No `vscode` import, so unit tests load it.
 */
import type { ToolchainReport } from '../kernel/toolchain';
import { LlmError } from '../llm/types';

export type RunProblemKind = 'no-key' | 'unreachable' | 'toolchain' | 'other';

export interface RunProblem {
  readonly kind: RunProblemKind;
  /** One line for the notification. */
  readonly message: string;
  /** The provider at fault, when known (`anthropic`, ...). */
  readonly provider?: string;
}

const NO_KEY = /no API key for (\w+)|\b401\b|\b403\b|authentication|invalid[ _-]?api[ _-]?key|unauthori[sz]ed/i;
const UNREACHABLE = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|fetch failed|connection error|network|timed? ?out|unreachable|socket hang up|model[^.]*not found|\b404\b/i;

/** Classifies an error thrown while starting a run, or the reason a run failed with. */
export function classifyRunProblem(error: unknown): RunProblem {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof LlmError) {
    const provider = error.options.provider;
    if (error.kind === 'auth') return { kind: 'no-key', message, provider };
    if (['network', 'timeout', 'server'].includes(error.kind)) return { kind: 'unreachable', message, provider };
  }
  const key = NO_KEY.exec(message);
  if (key) return { kind: 'no-key', message, provider: key[1] ?? providerIn(message) };
  if (UNREACHABLE.test(message)) return { kind: 'unreachable', message, provider: providerIn(message) };
  return { kind: 'other', message };
}

function providerIn(message: string): string | undefined {
  return /\b(anthropic|openai|openrouter|azure|gemini|ollama)\b/i.exec(message)?.[1]?.toLowerCase();
}

/** What `auton kernel doctor` prints, for the "Show install command" document. */
export function toolchainText(report: ToolchainReport): string {
  const lines = ['# AUTON: kernel toolchain', ''];
  for (const [name, path] of Object.entries(report.found)) lines.push(`ok      ${name.padEnd(20)} ${path}`);
  for (const tool of report.missing) lines.push(`missing ${tool.name.padEnd(20)} (Debian package: ${tool.aptPackage})`);
  lines.push('', 'Install the missing tools with:', '', `    ${report.installCommand}`, '',
    'or, in a clone of the AUTON repository, set up everything at once with:', '', '    bash scripts/setup.sh', '',
    'Then check again with `npx auton kernel doctor` and run the goal again.', '');
  return lines.join('\n');
}
