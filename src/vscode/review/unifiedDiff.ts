/**
 * Git's unified diffs, parsed into files and hunks and written back as a patch holding only the
 * hunks a person accepted. No `vscode` import: the unit tests load it.
 *
 * Handles what `git diff --binary --find-renames` prints: new, deleted, renamed and copied files,
 * mode changes, quoted paths, "\ No newline at end of file" markers and binary files (which have
 * no hunks and are accepted or rejected whole).
 */

export interface DiffHunk {
  /** The `@@ -a,b +c,d @@ ...` line as git wrote it. */
  header: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Body lines with their prefix: ' ' context, '+' added, '-' removed, '\' no-newline marker. */
  lines: string[];
}

export type FileStatus = 'added' | 'deleted' | 'modified' | 'renamed' | 'copied';

export interface DiffFile {
  /** Path before the change; undefined for a new file. */
  oldPath?: string;
  /** Path after the change; undefined for a deleted file. */
  newPath?: string;
  status: FileStatus;
  binary: boolean;
  /** Abbreviated blob ids from the `index` line, when git wrote one (all zeros: none). */
  oldBlob?: string;
  newBlob?: string;
  /** Every line from `diff --git` up to the first hunk (or the whole stanza when there is none). */
  header: string[];
  hunks: DiffHunk[];
}

/** The path a person knows the file by: the new one, or the old one for a deleted file. */
export function displayPath(file: DiffFile): string {
  return file.newPath ?? file.oldPath ?? '';
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const NO_BLOB = /^0+$/;

/** Parses `git diff` output. Text before the first `diff --git` line is ignored. */
export function parseUnifiedDiff(text: string): DiffFile[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const files: DiffFile[] = [];
  let i = 0;
  while (i < lines.length && !lines[i]!.startsWith('diff --git ')) i++;
  while (i < lines.length) {
    const start = i;
    i++;
    while (i < lines.length && !lines[i]!.startsWith('diff --git ') && !lines[i]!.startsWith('@@ ')) i++;
    const header = lines.slice(start, i);
    const hunks: DiffHunk[] = [];
    while (i < lines.length && lines[i]!.startsWith('@@ ')) {
      const m = HUNK.exec(lines[i]!);
      if (!m) throw new Error(`unreadable hunk header "${lines[i]}" in the diff of ${header[0]}`);
      const hunk: DiffHunk = {
        header: lines[i]!,
        oldStart: Number(m[1]),
        oldLines: m[2] === undefined ? 1 : Number(m[2]),
        newStart: Number(m[3]),
        newLines: m[4] === undefined ? 1 : Number(m[4]),
        lines: [],
      };
      i++;
      // Count lines instead of looking for the next header: a removed line may itself start with "@@".
      let oldLeft = hunk.oldLines;
      let newLeft = hunk.newLines;
      while (i < lines.length && (oldLeft > 0 || newLeft > 0 || lines[i]!.startsWith('\\'))) {
        const line = lines[i]!;
        const kind = line.charAt(0);
        if (kind === ' ' || line === '') {
          oldLeft--;
          newLeft--;
        } else if (kind === '-') oldLeft--;
        else if (kind === '+') newLeft--;
        else if (kind !== '\\') break;
        hunk.lines.push(line === '' ? ' ' : line);
        i++;
      }
      if (oldLeft > 0 || newLeft > 0) throw new Error(`the hunk "${hunk.header}" of ${header[0]} is cut short: the diff is truncated`);
      hunks.push(hunk);
    }
    files.push(describeFile(header, hunks));
  }
  return files;
}

function describeFile(header: string[], hunks: DiffHunk[]): DiffFile {
  let oldPath: string | undefined;
  let newPath: string | undefined;
  let status: FileStatus = 'modified';
  let binary = false;
  let oldBlob: string | undefined;
  let newBlob: string | undefined;
  let sawMinus = false;
  let sawPlus = false;
  for (const line of header) {
    if (line.startsWith('new file mode')) status = 'added';
    else if (line.startsWith('deleted file mode')) status = 'deleted';
    else if (line.startsWith('rename from ')) { status = 'renamed'; oldPath = unquote(line.slice(12)); }
    else if (line.startsWith('rename to ')) newPath = unquote(line.slice(10));
    else if (line.startsWith('copy from ')) { status = 'copied'; oldPath = unquote(line.slice(10)); }
    else if (line.startsWith('copy to ')) newPath = unquote(line.slice(8));
    else if (line.startsWith('--- ')) { sawMinus = true; oldPath = stripSide(line.slice(4), 'a/') ?? oldPath; }
    else if (line.startsWith('+++ ')) { sawPlus = true; newPath = stripSide(line.slice(4), 'b/') ?? newPath; }
    else if (line.startsWith('Binary files ') || line === 'GIT binary patch') binary = true;
    else if (line.startsWith('index ')) {
      const m = /^index ([0-9a-f]+)\.\.([0-9a-f]+)/.exec(line);
      if (m) {
        oldBlob = NO_BLOB.test(m[1]!) ? undefined : m[1];
        newBlob = NO_BLOB.test(m[2]!) ? undefined : m[2];
      }
    }
  }
  if (!sawMinus && !sawPlus && oldPath === undefined && newPath === undefined) {
    // No ---/+++ lines (binary, mode-only): the path comes from `diff --git a/P b/P`.
    const p = pathsOfGitLine(header[0] ?? '');
    oldPath = p;
    newPath = p;
  }
  if (status === 'added') oldPath = undefined;
  if (status === 'deleted') newPath = undefined;
  if (status === 'modified' && oldPath === undefined && newPath !== undefined) status = 'added';
  if (status === 'modified' && newPath === undefined && oldPath !== undefined) status = 'deleted';
  return { oldPath, newPath, status, binary, oldBlob, newBlob, header, hunks };
}

/** `a/path`, `"a/quoted path"` or `/dev/null` (undefined), with git's trailing tab removed. */
function stripSide(raw: string, prefix: string): string | undefined {
  const value = unquote(raw.replace(/\t$/, ''));
  if (value === '/dev/null') return undefined;
  return value.startsWith(prefix) ? value.slice(prefix.length) : value;
}

function pathsOfGitLine(line: string): string | undefined {
  const rest = line.slice('diff --git '.length);
  if (rest.startsWith('"')) {
    const end = rest.indexOf('" ', 1);
    return end > 0 ? unquote(rest.slice(0, end + 1)).replace(/^a\//, '') : undefined;
  }
  // "a/P b/P" with the same P twice: P's length is (length - 5) / 2.
  const half = (rest.length - 5) / 2;
  return Number.isInteger(half) && half > 0 ? rest.slice(2, 2 + half) : undefined;
}

/** Undoes git's C-style quoting of paths with special characters. */
function unquote(value: string): string {
  if (!value.startsWith('"') || !value.endsWith('"')) return value;
  const body = value.slice(1, -1);
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const next = body[++i] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else {
      const escapes: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };
      bytes.push(escapes[next] ?? next.charCodeAt(0));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Which parts a person accepted: whole files by index, and hunks of a file by index. */
export interface Selection {
  fileAccepted(fileIndex: number): boolean;
  hunkAccepted(fileIndex: number, hunkIndex: number): boolean;
}

/**
 * A patch holding only the accepted parts, for `git apply --index` on the tree the diff was taken
 * against. A file without hunks (binary, rename, mode change) goes whole or not at all; a file
 * keeps its header when at least one of its hunks is accepted, and later hunks' new-side line
 * numbers move up or down by what the dropped hunks would have added or removed.
 */
export function patchOf(files: readonly DiffFile[], selection: Selection): string {
  const out: string[] = [];
  files.forEach((file, f) => {
    if (file.hunks.length === 0) {
      if (selection.fileAccepted(f)) out.push(...file.header);
      return;
    }
    const kept = file.hunks.map((_, h) => selection.hunkAccepted(f, h));
    if (!kept.some(Boolean)) return;
    out.push(...file.header);
    let shift = 0;
    file.hunks.forEach((hunk, h) => {
      if (!kept[h]) {
        shift += hunk.newLines - hunk.oldLines;
        return;
      }
      out.push(shift === 0 ? hunk.header : renumber(hunk, hunk.newStart - shift), ...hunk.lines);
    });
  });
  return out.length ? `${out.join('\n')}\n` : '';
}

function renumber(hunk: DiffHunk, newStart: number): string {
  const tail = hunk.header.replace(HUNK, '');
  return `@@ -${hunk.oldStart},${hunk.oldLines} +${newStart},${hunk.newLines} @@${tail}`;
}

/** The new side of a file, given its old text (empty for a new file): the hunks applied. */
export function applyHunks(oldText: string, hunks: readonly DiffHunk[]): string {
  return renderLines(oldText, hunks).filter((l) => l.kind !== 'removed').map((l) => l.text).join('\n') + newSideEnding(oldText, hunks);
}

export interface RenderedLine {
  text: string;
  kind: 'context' | 'added' | 'removed';
  /** The hunk this line belongs to, when it is inside one. */
  hunk?: number;
}

/**
 * The inline review view of a file: its new text with each hunk's removed lines kept in place,
 * just above what replaced them. Without the old text (undefined), only the hunks are shown.
 */
export function renderLines(oldText: string | undefined, hunks: readonly DiffHunk[]): RenderedLine[] {
  const old = oldText === undefined ? undefined : splitText(oldText);
  const out: RenderedLine[] = [];
  let next = 1; // next old line to copy
  hunks.forEach((hunk, h) => {
    // For a hunk that only adds, oldStart is the line after which it inserts.
    const firstOld = hunk.oldLines === 0 ? hunk.oldStart + 1 : hunk.oldStart;
    if (old) {
      for (; next < firstOld && next <= old.length; next++) out.push({ text: old[next - 1]!, kind: 'context' });
    }
    for (const line of hunk.lines) {
      const kind = line.charAt(0);
      if (kind === '\\') continue;
      out.push({ text: line.slice(1), kind: kind === '+' ? 'added' : kind === '-' ? 'removed' : 'context', hunk: h });
    }
    next = firstOld + hunk.oldLines;
  });
  if (old) for (; next <= old.length; next++) out.push({ text: old[next - 1]!, kind: 'context' });
  return out;
}

function splitText(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The new side's last newline: the old text's when no hunk reaches the end, else what the last hunk says. */
function newSideEnding(oldText: string, hunks: readonly DiffHunk[]): string {
  const old = splitText(oldText);
  const last = hunks[hunks.length - 1];
  const lastOld = last ? (last.oldLines === 0 ? last.oldStart : last.oldStart + last.oldLines - 1) : 0;
  if (!last || lastOld < old.length) return old.length > 0 && oldText.endsWith('\n') ? '\n' : '';
  if (last.newLines === 0) return '';
  const missing = last.lines.some((line, i) => line.startsWith('\\') && i > 0 && '+ '.includes(last.lines[i - 1]!.charAt(0)));
  return missing ? '' : '\n';
}
