/**
 * The `search` tool: a regular expression or literal text over the worktree's files, answered as
 * `file:line:text`. Uses ripgrep when it is on PATH and a plain walk in JavaScript otherwise;
 * both skip .git, .auton, build, node_modules, hidden folders and binary files.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { which } from '../kernel/toolchain';
import { defineTool, ok, ToolError } from './define';
import { SKIPPED_DIRS } from './files';
import { relativeToRoot, resolveInWorktree } from './sandbox';

export interface SearchQuery {
  pattern: string;
  /** Match the pattern as plain text rather than a regular expression. */
  literal: boolean;
  caseSensitive: boolean;
  /** Glob on the path relative to the worktree root; without "/" it matches file names anywhere. */
  glob?: string;
  maxResults: number;
}

export interface SearchHit {
  /** Relative to the worktree root, with forward slashes. */
  file: string;
  line: number;
  text: string;
}

export interface SearchResult {
  hits: SearchHit[];
  /** More matches exist than were returned. */
  truncated: boolean;
  engine: 'rg' | 'js';
}

const MAX_TEXT = 300;
const MAX_SCANNED_FILE = 2 * 1024 * 1024;

export const searchTool = defineTool({
  name: 'search',
  description:
    'Search the worktree for a regular expression (or literal text with literal: true). Answers "file:line:text" ' +
    'lines. Narrow it with path (a folder or file) and glob (e.g. "*.h" or "kernels/mm/**/*.c").',
  effect: 'read',
  timeoutMs: 30_000,
  input: z.strictObject({
    pattern: z.string().min(1).describe('regular expression (ripgrep/JavaScript syntax), or the text itself with literal: true'),
    literal: z.boolean().default(false).describe('treat pattern as plain text'),
    path: z.string().default('.').describe('folder or file to search, relative to the worktree root (default: all of it)'),
    glob: z.string().optional().describe('only files whose path matches this glob, e.g. "*.c"'),
    case_sensitive: z.boolean().default(true),
    max_results: z.int().min(1).max(500).default(100).describe('most matching lines to return (default 100)'),
  }),
  async run(input, ctx) {
    const abs = resolveInWorktree(ctx.root, input.path);
    const result = await searchFiles(ctx.root, abs, {
      pattern: input.pattern,
      literal: input.literal,
      caseSensitive: input.case_sensitive,
      glob: input.glob,
      maxResults: input.max_results,
    }, 'auto', ctx.signal);
    const lines = result.hits.map((h) => `${h.file}:${h.line}:${h.text}`);
    if (lines.length === 0) return ok(`no match for ${JSON.stringify(input.pattern)} in ${relativeToRoot(ctx.root, abs)}`, result);
    const note = result.truncated
      ? `\n[more matches not shown: narrow path or glob, or raise max_results (now ${input.max_results})]`
      : '';
    return ok(`${lines.join('\n')}${note}`, result);
  },
});

/** Searches `abs` (inside `root`) with ripgrep or, when it is missing or `engine` says so, in JavaScript. */
export function searchFiles(
  root: string,
  abs: string,
  query: SearchQuery,
  engine: 'auto' | 'rg' | 'js' = 'auto',
  signal?: AbortSignal,
): Promise<SearchResult> {
  const rg = engine === 'js' ? undefined : which('rg');
  if (engine === 'rg' && !rg) return Promise.reject(new ToolError('ripgrep (rg) is not on PATH'));
  return rg ? searchWithRipgrep(rg, root, abs, query, signal) : Promise.resolve().then(() => searchWithJs(root, abs, query));
}

function searchWithRipgrep(rg: string, root: string, abs: string, query: SearchQuery, signal?: AbortSignal): Promise<SearchResult> {
  const rel = relativeToRoot(root, abs);
  const args = ['--no-config', '--line-number', '--no-heading', '--with-filename', '--color', 'never', '--no-ignore-parent', '--sort', 'path'];
  for (const dir of SKIPPED_DIRS) args.push('--glob', `!${dir}/`);
  if (query.literal) args.push('--fixed-strings');
  if (!query.caseSensitive) args.push('--ignore-case');
  if (query.glob) args.push('--glob', query.glob);
  args.push('-e', query.pattern, '--');
  if (rel !== '.') args.push(rel);

  return new Promise((resolvePromise, reject) => {
    const child = spawn(rg, args, { cwd: realpathSync(root), stdio: ['ignore', 'pipe', 'pipe'], signal });
    const hits: SearchHit[] = [];
    let truncated = false;
    let partial = '';
    let stderr = '';
    const take = (line: string) => {
      const m = /^(.*?):(\d+):(.*)$/.exec(line);
      if (!m) return;
      if (hits.length >= query.maxResults) {
        truncated = true;
        child.kill();
        return;
      }
      hits.push({ file: (m[1] ?? '').replace(/^\.\//, ''), line: Number(m[2]), text: clip(m[3] ?? '') });
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (!truncated) take(line);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (partial && !truncated) take(partial);
      if (code === 2 && !truncated && hits.length === 0) {
        reject(new ToolError(`search failed: ${stderr.trim().split('\n').slice(-3).join(' ')}`));
        return;
      }
      resolvePromise({ hits, truncated, engine: 'rg' });
    });
  });
}

function searchWithJs(root: string, abs: string, query: SearchQuery): SearchResult {
  let regex: RegExp;
  try {
    const source = query.literal ? query.pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : query.pattern;
    regex = new RegExp(source, query.caseSensitive ? 'u' : 'iu');
  } catch (error) {
    throw new ToolError(`search failed: invalid regular expression: ${(error as Error).message}`);
  }
  const glob = query.glob ? globToRegExp(query.glob) : undefined;
  const hits: SearchHit[] = [];
  let truncated = false;

  const scanFile = (file: string) => {
    const rel = relativeToRoot(root, file);
    if (glob && !glob.test(query.glob?.includes('/') ? rel : (rel.split('/').pop() ?? rel))) return;
    if (statSync(file).size > MAX_SCANNED_FILE) return;
    const buffer = readFileSync(file);
    if (buffer.subarray(0, 8192).includes(0)) return;
    const lines = buffer.toString('utf8').split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      if (!regex.test(lines[i] ?? '')) continue;
      if (hits.length >= query.maxResults) {
        truncated = true;
        return;
      }
      hits.push({ file: rel, line: i + 1, text: clip(lines[i] ?? '') });
    }
  };
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (truncated) return;
      if (entry.name.startsWith('.') || entry.isSymbolicLink()) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(full);
      } else if (entry.isFile()) {
        scanFile(full);
      }
    }
  };
  if (statSync(abs).isDirectory()) walk(abs);
  else scanFile(abs);
  return { hits, truncated, engine: 'js' };
}

/** A glob (`*`, `**`, `?`, `{a,b}`, `[abc]`) as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end === -1) {
        out += '\\{';
      } else {
        out += `(?:${glob.slice(i + 1, end).split(',').map((part) => globToRegExp(part).source.slice(1, -1)).join('|')})`;
        i = end;
      }
    } else if (c === '[') {
      const end = glob.indexOf(']', i);
      if (end === -1) {
        out += '\\[';
      } else {
        out += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else {
      out += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`);
}

function clip(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT)} [...]`;
}
