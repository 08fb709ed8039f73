/**
 * Reading and changing files in the worktree: read_file, list_dir, write_file, replace_in_file,
 * delete_file. Every change is recorded as an EditRecord with a unified diff.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { z } from 'zod';
import { defineTool, ok, ToolError } from './define';
import { assertWritable } from './permissions';
import { relativeToRoot, resolveInWorktree, truncateOutput } from './sandbox';
import type { EditRecord, ToolContext } from './types';

/** Folders list_dir, search and repo_map do not descend into. */
export const SKIPPED_DIRS = new Set(['.git', '.auton', 'build', 'node_modules']);

const MAX_READ_LINES = 600;
const MAX_FILE_BYTES = 20 * 1024 * 1024;

const pathField = z.string().describe('path relative to the worktree root, e.g. "kernels/core/main.c"');

export const readFileTool = defineTool({
  name: 'read_file',
  description:
    `Read a text file of the worktree with line numbers. Give start_line/end_line (1-based, inclusive) for part of ` +
    `a long file; at most ${MAX_READ_LINES} lines come back per call.`,
  effect: 'read',
  timeoutMs: 15_000,
  input: z.strictObject({
    path: pathField,
    start_line: z.int().min(1).optional().describe('first line to show (default 1)'),
    end_line: z.int().min(1).optional().describe('last line to show (default: the end, or start_line + 599)'),
  }),
  run(input, ctx) {
    const abs = resolveInWorktree(ctx.root, input.path);
    const rel = relativeToRoot(ctx.root, abs);
    const text = readTextFile(abs, rel);
    const lines = splitLines(text);
    const total = lines.length;
    if (total === 0) return ok(`${rel} is empty (0 lines)`);
    const start = input.start_line ?? 1;
    if (start > total) throw new ToolError(`${rel} has only ${total} lines: ask for start_line <= ${total}`);
    const wanted = Math.min(input.end_line ?? total, total);
    if (wanted < start) throw new ToolError(`end_line (${wanted}) is before start_line (${start})`);
    const end = Math.min(wanted, start + MAX_READ_LINES - 1);
    const width = String(end).length;
    const body = lines
      .slice(start - 1, end)
      .map((line, i) => `${String(start + i).padStart(width)}\t${line}`)
      .join('\n');
    const more = end < total ? `\n[lines ${end + 1}-${total} not shown: call read_file with start_line ${end + 1}]` : '';
    const header = `${rel} (lines ${start}-${end} of ${total})`;
    return ok(`${header}\n${truncateOutput(body, { maxLines: MAX_READ_LINES, maxBytes: 64_000, keep: 'head' })}${more}`);
  },
});

export const listDirTool = defineTool({
  name: 'list_dir',
  description:
    'List a folder of the worktree as an indented tree (folders end with "/", files show their size). ' +
    'Skips .git, .auton, build and node_modules folders.',
  effect: 'read',
  timeoutMs: 15_000,
  input: z.strictObject({
    path: pathField.default('.').describe('folder relative to the worktree root (default: the root)'),
    depth: z.int().min(1).max(6).default(2).describe('how many levels to show (default 2)'),
  }),
  run(input, ctx) {
    const abs = resolveInWorktree(ctx.root, input.path);
    const rel = relativeToRoot(ctx.root, abs);
    if (!existsSync(abs)) throw new ToolError(`${rel} does not exist: list its parent folder to see what is there`);
    if (!statSync(abs).isDirectory()) throw new ToolError(`${rel} is a file, not a folder: use read_file to read it`);
    const maxEntries = 400;
    const lines: string[] = [];
    let omitted = 0;
    const walk = (dir: string, level: number): void => {
      const entries = readdirSync(dir, { withFileTypes: true })
        .filter((e) => !(e.isDirectory() && SKIPPED_DIRS.has(e.name)))
        .sort((a, b) => a.name.localeCompare(b.name));
      for (const entry of entries) {
        if (lines.length >= maxEntries) {
          omitted++;
          continue;
        }
        const indent = '  '.repeat(level);
        const full = join(dir, entry.name);
        if (entry.isSymbolicLink()) {
          lines.push(`${indent}${entry.name} -> ${readlinkSync(full)}`);
        } else if (entry.isDirectory()) {
          if (level + 1 < input.depth) {
            lines.push(`${indent}${entry.name}/`);
            walk(full, level + 1);
          } else {
            lines.push(`${indent}${entry.name}/ (${readdirSync(full).length} entries)`);
          }
        } else {
          lines.push(`${indent}${entry.name} (${formatSize(statSync(full).size)})`);
        }
      }
    };
    walk(abs, 0);
    const more = omitted ? `\n[... ${omitted} more entries: list a subfolder or use a smaller depth]` : '';
    const body = lines.length ? lines.join('\n') : '(empty folder)';
    return ok(`${rel === '.' ? './' : `${rel}/`}\n${body}${more}`);
  },
});

export const writeFileTool = defineTool({
  name: 'write_file',
  description:
    'Write a whole file (created with its folders if missing, replaced otherwise). For a small change to an ' +
    'existing file prefer replace_in_file.',
  effect: 'write',
  timeoutMs: 15_000,
  input: z.strictObject({
    path: pathField,
    content: z.string().describe('the complete new content of the file'),
  }),
  async run(input, ctx) {
    const abs = resolveInWorktree(ctx.root, input.path);
    assertWritable(ctx, abs);
    const rel = relativeToRoot(ctx.root, abs);
    const exists = existsSync(abs);
    if (exists && statSync(abs).isDirectory()) throw new ToolError(`${rel} is a folder: give a file path`);
    const before = exists ? readTextFile(abs, rel) : undefined;
    if (before === input.content) return ok(`${rel} unchanged (it already has this content)`);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, input.content);
    const edit = recordEdit(ctx, rel, 'write', before, input.content);
    const verb = before === undefined ? `created ${rel} (${splitLines(input.content).length} lines)` : `wrote ${rel} (${changeSummary(edit.diff)})`;
    return ok(`${verb}${await clangdReport(ctx, rel, input.content)}`, edit);
  },
});

export const replaceInFileTool = defineTool({
  name: 'replace_in_file',
  description:
    'Replace an exact piece of text in a file. `search` must match the file exactly (whitespace and indentation ' +
    'included) and only once, unless occurrence is "all". Include a few surrounding lines to make it unique.',
  effect: 'write',
  timeoutMs: 15_000,
  input: z.strictObject({
    path: pathField,
    search: z.string().min(1).describe('exact text to find, copied from read_file output without the line numbers'),
    replace: z.string().describe('text to put in its place'),
    occurrence: z.enum(['unique', 'all']).default('unique').describe('"unique" (default): exactly one match; "all": every match'),
  }),
  async run(input, ctx) {
    const abs = resolveInWorktree(ctx.root, input.path);
    assertWritable(ctx, abs);
    const rel = relativeToRoot(ctx.root, abs);
    if (!existsSync(abs)) throw new ToolError(`${rel} does not exist: create it with write_file`);
    const before = readTextFile(abs, rel);
    let { search, replace } = input;
    if (search === replace) throw new ToolError('search and replace are the same: nothing would change');
    // Models write "\n"; a file with Windows line endings still matches.
    if (!before.includes(search) && before.includes('\r\n') && !search.includes('\r')) {
      search = search.replace(/\n/g, '\r\n');
      replace = replace.replace(/\n/g, '\r\n');
    }
    const at = occurrences(before, search);
    if (at.length === 0) throw new ToolError(notFoundMessage(rel, before, input.search));
    if (at.length > 1 && input.occurrence === 'unique') {
      const where = at.slice(0, 10).map((i) => lineOf(before, i)).join(', ');
      throw new ToolError(
        `the search text occurs ${at.length} times in ${rel} (at lines ${where}${at.length > 10 ? ', ...' : ''}): ` +
          'add surrounding lines to the search text so it matches once, or pass occurrence: "all" to replace every one',
      );
    }
    const after = input.occurrence === 'all' ? before.split(search).join(replace) : before.replace(search, () => replace);
    writeFileSync(abs, after);
    const edit = recordEdit(ctx, rel, 'replace', before, after);
    const count = input.occurrence === 'all' ? at.length : 1;
    const head = `replaced ${count} occurrence${count === 1 ? '' : 's'} in ${rel} at line ${lineOf(before, at[0] ?? 0)} (${changeSummary(edit.diff)})`;
    return ok(`${head}\n${truncateOutput(edit.diff, { maxLines: 60, maxBytes: 8_000 })}${await clangdReport(ctx, rel, after)}`, edit);
  },
});

export const deleteFileTool = defineTool({
  name: 'delete_file',
  description: 'Delete one file of the worktree (not a folder).',
  effect: 'write',
  timeoutMs: 15_000,
  input: z.strictObject({ path: pathField }),
  run(input, ctx) {
    // Resolve the folder, not the file: a symbolic link is deleted itself, never its target.
    const abs = join(resolveInWorktree(ctx.root, posix.dirname(input.path.replace(/\\/g, '/'))), basename(input.path));
    resolveInWorktree(ctx.root, abs);
    assertWritable(ctx, abs);
    const rel = relativeToRoot(ctx.root, abs);
    let stat;
    try {
      stat = lstatSync(abs);
    } catch {
      throw new ToolError(`${rel} does not exist: list_dir shows what is there`);
    }
    if (stat.isDirectory()) throw new ToolError(`${rel} is a folder: delete the files in it one by one`);
    const before = stat.isSymbolicLink() ? `(symbolic link to ${readlinkSync(abs)})\n` : readTextFile(abs, rel);
    unlinkSync(abs);
    const edit = recordEdit(ctx, rel, 'delete', before, undefined);
    return ok(`deleted ${rel} (${changeSummary(edit.diff)})`, edit);
  },
});

const MAX_C_DIAGNOSTICS = 10;
const MAX_NOTES = 2;

/** A path in the worktree relative to it; others (the compiler's own headers) as they are. */
function shownPath(root: string, abs: string): string {
  const rel = relativeToRoot(root, abs);
  return rel.startsWith('../') ? abs : rel;
}

function firstLineOf(text: string): string {
  return text.split('\n').find((l) => l.trim())?.trim() ?? '';
}

/** A kernel C source or header (not a build product): clangd checks it after an edit. */
export function isKernelC(rel: string): boolean {
  return /^kernels\/(?!build\/).+\.[ch]$/.test(rel);
}

/**
 * What clangd says about a kernel C file just written, as lines to append to the tool's result:
 * its errors and warnings (the first ten) with line:column, that there are none, or that it did
 * not answer in time. Nothing when clangd is not available.
 */
async function clangdReport(ctx: ToolContext, rel: string, text: string): Promise<string> {
  if (!ctx.cDiagnostics || !isKernelC(rel)) return '';
  const result = await ctx.cDiagnostics.check(ctx.root, rel, text, { arches: ctx.arches, signal: ctx.signal });
  if (result.kind === 'unavailable') return '';
  if (result.kind === 'timeout') return `\nclangd gave no diagnostics in time for ${rel}; kernel_build shows the compiler's errors`;
  const found = result.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning');
  if (found.length === 0) return `\nclangd: no errors or warnings in ${rel}`;
  const count = (severity: string) => {
    const n = found.filter((d) => d.severity === severity).length;
    return n ? [`${n} ${severity}${n === 1 ? '' : 's'}`] : [];
  };
  const lines = found.slice(0, MAX_C_DIAGNOSTICS).map((d) => {
    const notes = d.related.slice(0, MAX_NOTES).map((n) =>
      `\n    ${shownPath(ctx.root, n.file)}:${n.line}:${n.column}: note: ${firstLineOf(n.message)}`);
    return `${rel}:${d.line}:${d.column}: ${d.severity}: ${firstLineOf(d.message)}${notes.join('')}`;
  });
  const rest = found.length > MAX_C_DIAGNOSTICS ? `\n[... ${found.length - MAX_C_DIAGNOSTICS} more: fix these first]` : '';
  const body = truncateOutput(lines.join('\n'), { maxLines: 60, maxBytes: 6_000 });
  return `\nclangd: ${[...count('error'), ...count('warning')].join(', ')} in ${rel}:\n${body}${rest}`;
}

/** Reads a UTF-8 text file; binary and huge files are refused with a reason. */
export function readTextFile(abs: string, rel: string): string {
  let stat;
  try {
    stat = statSync(abs);
  } catch {
    throw new ToolError(`${rel} does not exist: use list_dir or search to find the right path`);
  }
  if (stat.isDirectory()) throw new ToolError(`${rel} is a folder: use list_dir to see what it holds`);
  if (stat.size > MAX_FILE_BYTES) throw new ToolError(`${rel} is ${formatSize(stat.size)}, too large to handle: use search to find what you need in it`);
  const buffer = readFileSync(abs);
  if (buffer.subarray(0, 8192).includes(0)) {
    throw new ToolError(`${rel} is a binary file (${formatSize(stat.size)}): only text files can be read or edited`);
  }
  return buffer.toString('utf8');
}

/** Lines of a text, without the empty one after a final newline. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function recordEdit(ctx: ToolContext, rel: string, kind: EditRecord['kind'], before: string | undefined, after: string | undefined): EditRecord {
  const diff = unifiedDiff(rel, before, after);
  const edit: EditRecord = { path: rel, kind, diff };
  ctx.onEdit?.(edit);
  return edit;
}

/** A git-style unified diff; `undefined` stands for a file that does not exist. */
export function unifiedDiff(rel: string, before: string | undefined, after: string | undefined): string {
  const patch = createTwoFilesPatch(
    before === undefined ? '/dev/null' : `a/${rel}`,
    after === undefined ? '/dev/null' : `b/${rel}`,
    before ?? '',
    after ?? '',
    undefined,
    undefined,
    { context: 3 },
  );
  return patch.replace(/^=+\n/, '');
}

function changeSummary(diff: string): string {
  let added = 0;
  let removed = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+') && !line.startsWith('+++')) added++;
    else if (line.startsWith('-') && !line.startsWith('---')) removed++;
  }
  return `+${added} -${removed} lines`;
}

function occurrences(text: string, search: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(search); i !== -1; i = text.indexOf(search, i + search.length)) out.push(i);
  return out;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Why the search text was not found, with the lines that come closest so the model can copy them. */
function notFoundMessage(rel: string, content: string, search: string): string {
  const lines = splitLines(content);
  const wanted = splitLines(search.replace(/^\s*\n/, ''));
  const match = closestMatch(lines, wanted);
  const head = `the search text was not found in ${rel}`;
  if (!match) return `${head}: read_file it and copy the exact text`;
  const shown = lines
    .slice(match.start, match.end + 1)
    .map((line, i) => `${match.start + i + 1}\t${line}`)
    .join('\n');
  const why = match.whitespaceOnly
    ? `it matches lines ${match.start + 1}-${match.end + 1} only if whitespace is ignored: copy those lines exactly, indentation included`
    : `the closest lines are ${match.start + 1}-${match.end + 1} (${Math.round(match.score * 100)}% similar): copy the exact text from there (or read_file first)`;
  return `${head}; ${why}:\n${truncateOutput(shown, { maxLines: 40, maxBytes: 4_000 })}`;
}

interface Match {
  start: number;
  end: number;
  score: number;
  whitespaceOnly: boolean;
}

/** The window of file lines most like the searched lines (by character bigrams), or none. */
export function closestMatch(lines: string[], wanted: string[]): Match | undefined {
  const k = Math.max(1, wanted.length);
  if (lines.length === 0 || lines.length > 50_000) return undefined;
  const norm = (s: string) => s.trim().replace(/\s+/g, ' ');
  const wantedNorm = wanted.map(norm);
  for (let i = 0; i + k <= lines.length; i++) {
    if (wantedNorm.every((w, j) => norm(lines[i + j] ?? '') === w)) return { start: i, end: i + k - 1, score: 1, whitespaceOnly: true };
  }
  const target = bigrams(wantedNorm.join('\n'));
  let best: Match | undefined;
  for (let i = 0; i + k <= Math.max(lines.length, k); i++) {
    const window = lines.slice(i, i + k).map(norm).join('\n');
    const score = dice(bigrams(window), target);
    if (!best || score > best.score) best = { start: i, end: Math.min(i + k, lines.length) - 1, score, whitespaceOnly: false };
  }
  return best && best.score > 0.3 ? best : undefined;
}

function bigrams(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < text.length - 1; i++) {
    const pair = text.slice(i, i + 2);
    out.set(pair, (out.get(pair) ?? 0) + 1);
  }
  return out;
}

function dice(a: Map<string, number>, b: Map<string, number>): number {
  let shared = 0;
  let total = 0;
  for (const n of a.values()) total += n;
  for (const n of b.values()) total += n;
  for (const [pair, n] of a) shared += Math.min(n, b.get(pair) ?? 0);
  return total === 0 ? 0 : (2 * shared) / total;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
