/**
 * Keeps every path an agent names inside its worktree, and every output it reads to a size a
 * model can use. Rejections are SandboxErrors whose message tells the model what to do instead.
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export class SandboxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxError';
  }
}

/** Folders no tool may read or write: git's internals and AUTON's own state. */
const FORBIDDEN_SEGMENTS = ['.git', '.auton'];

/**
 * The absolute path of `userPath` (relative to `root`, or absolute inside it), after checking
 * that neither `..`, an absolute path, nor a symbolic link anywhere along it leads outside
 * `root`, and that it is not inside `.git` or `.auton`. Symbolic links inside the worktree are
 * resolved, so the returned path is the real file. A path that does not exist yet (a new file) is
 * checked through its deepest existing parent.
 */
export function resolveInWorktree(root: string, userPath: string): string {
  if (typeof userPath !== 'string') {
    throw new SandboxError('path must be a string, relative to the worktree root (e.g. "kernels/core/main.c")');
  }
  if (userPath.includes('\0')) {
    throw new SandboxError('path contains a NUL byte: send the plain relative path, e.g. "kernels/core/main.c"');
  }
  const realRoot = realpathSync(root);
  const requested = userPath.trim() === '' ? '.' : userPath;
  // An absolute path is accepted only when it names something inside the worktree (as the
  // lexical root or its real path); everything else is relative to the root.
  let lexical: string;
  if (isAbsolute(requested)) {
    const base = [resolve(root), realRoot].find((r) => isWithin(r, resolve(requested)));
    if (!base) {
      throw new SandboxError(
        `${userPath} is outside the worktree: use a path relative to the worktree root (e.g. "kernels/core/main.c")`,
      );
    }
    lexical = join(realRoot, relative(base, resolve(requested)));
  } else {
    lexical = resolve(realRoot, requested);
  }
  if (!isWithin(realRoot, lexical)) {
    throw new SandboxError(
      `${userPath} leaves the worktree (through ".."): use a path relative to the worktree root without ".." escapes`,
    );
  }
  checkForbidden(relative(realRoot, lexical), userPath);

  const real = realPathOf(lexical, userPath);
  if (!isWithin(realRoot, real)) {
    throw new SandboxError(
      `${userPath} goes through a symbolic link that points outside the worktree: only files inside the worktree can be used`,
    );
  }
  checkForbidden(relative(realRoot, real), userPath);
  return real;
}

/** `abs` relative to the worktree root, with forward slashes ("." for the root itself). */
export function relativeToRoot(root: string, abs: string): string {
  const rel = relative(realpathSync(root), abs);
  return rel === '' ? '.' : rel.split(sep).join('/');
}

export function isWithin(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function checkForbidden(rel: string, userPath: string): void {
  const segments = rel.split(sep).map((s) => s.toLowerCase());
  const hit = FORBIDDEN_SEGMENTS.find((f) => segments.includes(f));
  if (hit) {
    throw new SandboxError(
      `${userPath} is inside ${hit}/, which agents may not read or change: use git_diff for history and the files of the worktree itself`,
    );
  }
}

/**
 * The real path of `abs`: its deepest existing ancestor resolved with realpath, plus the parts
 * that do not exist yet. A dangling symbolic link is refused, since writing through it would
 * create its target wherever it points.
 */
function realPathOf(abs: string, userPath: string): string {
  const missing: string[] = [];
  let current = abs;
  for (;;) {
    let isLink = false;
    try {
      isLink = lstatSync(current).isSymbolicLink();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
      const parent = dirname(current);
      if (parent === current) return abs;
      missing.unshift(current.slice(parent.length).replace(/^[/\\]/, ''));
      current = parent;
      continue;
    }
    try {
      return join(realpathSync(current), ...missing);
    } catch (error) {
      if (isLink) {
        throw new SandboxError(
          `${userPath} goes through a symbolic link that cannot be resolved (-> ${readlinkSync(current)}): use a real path inside the worktree`,
        );
      }
      throw error;
    }
  }
}

export interface TruncateOptions {
  /** Most lines kept (default 400). */
  maxLines?: number;
  /** Most bytes kept, UTF-8 (default 32 000). */
  maxBytes?: number;
  /** Longer lines are clipped (default 2 000 characters). */
  maxLineLength?: number;
  /** Which end to keep: both (head and tail, the default), the head only, or the tail only. */
  keep?: 'both' | 'head' | 'tail';
}

/**
 * Cuts `text` to the limits, keeping whole lines from the head and/or the tail with a
 * `[... N lines cut ...]` marker where lines were dropped. Text within the limits comes back as is.
 */
export function truncateOutput(text: string, options: TruncateOptions = {}): string {
  const maxLines = options.maxLines ?? 400;
  const maxBytes = options.maxBytes ?? 32_000;
  const maxLineLength = options.maxLineLength ?? 2_000;
  const keep = options.keep ?? 'both';
  const lines = text.split('\n').map((line) => clipLine(line, maxLineLength));
  const clipped = lines.join('\n');
  if (lines.length <= maxLines && Buffer.byteLength(clipped) <= maxBytes) return clipped;

  const headShare = keep === 'head' ? 1 : keep === 'tail' ? 0 : 0.5;
  const head = takeLines(lines, Math.floor(maxLines * headShare), Math.floor(maxBytes * headShare));
  const tail = takeLines(
    [...lines].slice(head.length).reverse(),
    maxLines - head.length,
    maxBytes - byteLength(head),
  ).reverse();
  const cut = lines.length - head.length - tail.length;
  if (cut <= 0) return clipped;
  return [...head, `[... ${cut} lines cut ...]`, ...tail].join('\n');
}

/** As many leading lines as fit in both budgets. */
function takeLines(lines: string[], maxLines: number, maxBytes: number): string[] {
  const out: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line) + 1;
    if (out.length >= maxLines || bytes + size > maxBytes) break;
    out.push(line);
    bytes += size;
  }
  return out;
}

function byteLength(lines: string[]): number {
  return lines.reduce((n, line) => n + Buffer.byteLength(line) + 1, 0);
}

function clipLine(line: string, max: number): string {
  return line.length <= max ? line : `${line.slice(0, max)} [... ${line.length - max} chars cut]`;
}
