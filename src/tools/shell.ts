/**
 * The `shell` tool, off unless the user allows commands (ToolContext.shellAllowlist). A command
 * line is split into words (quotes respected) and run directly, never through a shell, in the
 * worktree, under a timeout, with secrets removed from its environment. Its first words must
 * match an allowed entry ("make", or "git log" for that subcommand only).
 */
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { z } from 'zod';
import { defineTool, fail, ok, ToolError } from './define';
import { truncateOutput } from './sandbox';

export const shellTool = defineTool({
  name: 'shell',
  description:
    'Run one allowed command in the worktree (no shell: no pipes, redirections, variables or globs). Answers its ' +
    'exit status and output.',
  effect: 'exec',
  timeoutMs: 620_000,
  input: z.strictObject({
    command: z.string().min(1).max(4_000).describe('the command line, e.g. "make -C kernels ARCH=riscv64 check"'),
    timeout_s: z.int().min(1).max(600).default(120).describe('kill it after this many seconds (default 120)'),
  }),
  async run(input, ctx) {
    const allowlist = (ctx.shellAllowlist ?? []).map((entry) => entry.trim()).filter(Boolean);
    if (allowlist.length === 0) {
      throw new ToolError(
        'no shell: the user has not allowed any commands in this run, so use the other tools (kernel_build, kernel_test, search, ...)',
      );
    }
    const argv = splitCommandLine(input.command);
    const allowed = allowlist.some((entry) => {
      const words = splitCommandLine(entry);
      return words.length > 0 && words.every((word, i) => argv[i] === word);
    });
    if (!allowed) {
      throw new ToolError(`"${argv.slice(0, 2).join(' ')}" is not allowed: the commands the user allows start with ${allowlist.map((a) => `"${a}"`).join(', ')}`);
    }
    const result = await runCommand(argv, realpathSync(ctx.root), input.timeout_s * 1000, ctx.signal);
    const status = result.timedOut ? `killed after ${input.timeout_s} s (timeout)` : `exit status ${result.code ?? result.signal}`;
    const output = truncateOutput(result.output.trimEnd(), { maxLines: 300, maxBytes: 24_000 });
    const text = `$ ${argv.join(' ')}\n${status}${output ? `\n${output}` : ''}`;
    return result.code === 0 ? ok(text, result) : fail(text, result);
  },
});

/**
 * Splits a command line into words like a POSIX shell would for plain words and quotes
 * ('single', "double" with \ escapes, and \ outside quotes), and refuses the shell features
 * that would not do what the model expects without a shell.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new ToolError('unterminated \' quote in the command');
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1] ?? '')) j++;
        else if (line[j] === '$' || line[j] === '`') throw new ToolError('no shell: $ and ` are not expanded; write the value itself');
        word += line[j];
      }
      if (j >= line.length) throw new ToolError('unterminated " quote in the command');
      inWord = true;
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new ToolError('the command ends with a lone backslash');
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if ('|&;<>()$`*?[]{}~'.includes(c) || (c === '#' && !inWord)) {
      throw new ToolError(
        `no shell: "${c}" would need one (pipes, redirections, ";", "&&", variables, globs and comments are not interpreted); ` +
          'run a single command, and quote the character if it is meant literally',
      );
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  if (words.length === 0) throw new ToolError('empty command');
  return words;
}

export interface CommandResult {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  output: string;
}

function runCommand(argv: string[], cwd: string, timeoutMs: number, signal?: AbortSignal): Promise<CommandResult> {
  return new Promise((resolvePromise) => {
    const [command = '', ...args] = argv;
    const child = spawn(command, args, { cwd, env: scrubbedEnv(), stdio: ['ignore', 'pipe', 'pipe'], signal });
    let output = '';
    let timedOut = false;
    const onData = (chunk: Buffer) => {
      // Keep memory bounded for chatty commands; the head and tail survive truncation anyway.
      if (output.length < 4_000_000) output += chunk.toString('utf8');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolvePromise({ code: null, signal: null, timedOut, output: `${output}could not run ${command}: ${error.message}` });
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolvePromise({ code, signal: sig, timedOut, output });
    });
  });
}

/** The environment without anything that looks like a secret (API keys must not reach the model). */
function scrubbedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH/i.test(key)) env[key] = value;
  }
  return env;
}
