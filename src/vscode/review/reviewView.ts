/**
 * What the user sees of a review: read-only `auton-review:` documents (per changed file an
 * inline view, plus the base and task sides for `vscode.diff`), the decorations on the inline
 * view (added lines highlighted, removed lines kept in place as struck-through ghost text,
 * rejected hunks faded) and the CodeLenses that decide hunks and files.
 */
import * as vscode from 'vscode';
import type { Part, TaskReview } from './taskReview';
import { applyHunks, displayPath, type DiffFile, renderLines, type RenderedLine } from './unifiedDiff';

export const REVIEW_SCHEME = 'auton-review';

export type ReviewSide = 'inline' | 'base' | 'task';

export interface ReviewUri {
  runId: string;
  taskId: string;
  file: number;
  side: ReviewSide;
}

/** `auton-review:/<run>/<task>/<path>?side=inline&file=<n>`: the tab shows the file's name. */
export function reviewUri(review: TaskReview, file: number, side: ReviewSide): vscode.Uri {
  const path = displayPath(review.files[file]!);
  return vscode.Uri.from({ scheme: REVIEW_SCHEME, path: `/${review.runId}/${review.taskId}/${path}`, query: `side=${side}&file=${file}` });
}

export function parseReviewUri(uri: vscode.Uri): ReviewUri | undefined {
  if (uri.scheme !== REVIEW_SCHEME) return undefined;
  const [, runId, taskId] = uri.path.split('/');
  const query = new URLSearchParams(uri.query);
  const file = Number(query.get('file'));
  const side = query.get('side') as ReviewSide | null;
  if (!runId || !taskId || !Number.isInteger(file) || (side !== 'inline' && side !== 'base' && side !== 'task')) return undefined;
  return { runId, taskId, file, side };
}

/** What the review documents need from the controller. */
export interface ReviewSource {
  review(runId: string, taskId: string): TaskReview | undefined;
  /** The file's old text, when git still has it (undefined: show only the hunks). */
  oldText(review: TaskReview, file: number): string | undefined;
}

/** The inline view of one file: its lines and where each hunk starts in them. */
export interface InlineView {
  lines: RenderedLine[];
  hunkStarts: number[];
}

export function inlineView(file: DiffFile, oldText: string | undefined): InlineView {
  if (file.hunks.length === 0) {
    return { lines: wholeFileNote(file).map((text) => ({ text, kind: 'context' as const })), hunkStarts: [] };
  }
  const lines = renderLines(file.status === 'added' ? '' : oldText, file.hunks);
  const hunkStarts = file.hunks.map((_, h) => lines.findIndex((l) => l.hunk === h));
  return { lines, hunkStarts };
}

function wholeFileNote(file: DiffFile): string[] {
  const what = file.binary ? `Binary file ${displayPath(file)} ${file.status}` :
    file.status === 'renamed' ? `Renamed from ${file.oldPath} to ${file.newPath}, content unchanged` :
      file.status === 'copied' ? `Copied from ${file.oldPath} to ${file.newPath}, content unchanged` :
        `${displayPath(file)}: ${file.header.filter((l) => /mode/.test(l)).join(', ') || `${file.status}, no text change`}`;
  return [what, '', 'This change has no hunks: accept or reject the file whole.'];
}

export class ReviewDocuments implements vscode.TextDocumentContentProvider, vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly added = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('diffEditor.insertedLineBackground'),
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.addedForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly removed = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('diffEditor.removedLineBackground'),
    textDecoration: 'line-through',
    opacity: '0.55',
    fontStyle: 'italic',
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.deletedForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly rejected = vscode.window.createTextEditorDecorationType({ isWholeLine: true, opacity: '0.35' });
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly source: ReviewSource) {
    this.subscriptions = [
      vscode.window.onDidChangeVisibleTextEditors(() => this.decorate()),
      this.changed, this.lensesChanged, this.added, this.removed, this.rejected,
    ];
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const ref = parseReviewUri(uri);
    const review = ref && this.source.review(ref.runId, ref.taskId);
    const file = review && ref ? review.files[ref.file] : undefined;
    if (!ref || !review || !file) return 'This review is over or unknown: open it again from the AUTON task tree.\n';
    const old = file.status === 'added' ? '' : this.source.oldText(review, ref.file);
    if (ref.side === 'base') return old ?? '';
    if (ref.side === 'task') return old === undefined ? '' : file.status === 'deleted' ? '' : applyHunks(old, file.hunks);
    return `${inlineView(file, old).lines.map((l) => l.text).join('\n')}\n`;
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const ref = parseReviewUri(document.uri);
    if (!ref || ref.side !== 'inline') return [];
    const review = this.source.review(ref.runId, ref.taskId);
    const file = review?.files[ref.file];
    if (!review || !file) return [];
    const view = inlineView(file, this.source.oldText(review, ref.file));
    const top = new vscode.Range(0, 0, 0, 0);
    const task = { runId: review.runId, taskId: review.taskId };
    const lens = (range: vscode.Range, title: string, command = '', args: unknown[] = [], tooltip?: string) =>
      new vscode.CodeLens(range, { title, command, arguments: args, tooltip });
    const parts = review.partsOf(ref.file);
    const decidedHere = parts.filter((p) => review.decision(p)).length;
    const lenses: vscode.CodeLens[] = [
      lens(top, `${review.taskId} · file ${ref.file + 1} of ${review.files.length} · ${decidedHere} of ${parts.length} decided`),
    ];
    if (!review.done) {
      lenses.push(
        lens(top, 'Accept file', 'auton.review.acceptFile', [{ ...task, file: ref.file }], 'Accept every hunk of this file'),
        lens(top, 'Reject file', 'auton.review.rejectFile', [{ ...task, file: ref.file }], 'Reject every hunk of this file, with an optional comment for the developer'),
        lens(top, 'Accept all', 'auton.review.acceptAll', [task], 'Accept every hunk of every file of this task'),
      );
    } else {
      const c = review.counts();
      lenses.push(lens(top, `Decision sent: ${c.accepted} accepted, ${c.rejected} rejected`));
    }
    lenses.push(lens(top, 'Open side-by-side diff', 'auton.review.openDiff', [{ ...task, file: ref.file }], 'Compare the base and the task version with vscode.diff'));
    if (review.files.length > 1) lenses.push(lens(top, 'Next file', 'auton.review.nextFile', [{ ...task, file: ref.file }]));
    if (file.hunks.length === 0) {
      const d = review.decision({ file: ref.file });
      if (d) lenses.push(lens(top, describe(d.accept, d.comment)));
      return lenses;
    }
    view.hunkStarts.forEach((line, h) => {
      const range = new vscode.Range(line, 0, line, 0);
      const part: Part = { file: ref.file, hunk: h };
      const at = { ...task, ...part };
      const hunk = file.hunks[h]!;
      const plus = hunk.lines.filter((l) => l.startsWith('+')).length;
      const minus = hunk.lines.filter((l) => l.startsWith('-')).length;
      lenses.push(lens(range, `Hunk ${h + 1} of ${file.hunks.length} (+${plus} −${minus})`));
      const d = review.decision(part);
      if (d) {
        lenses.push(lens(range, describe(d.accept, d.comment)));
        if (!review.done) lenses.push(lens(range, 'Undo', 'auton.review.undo', [at], 'Decide this hunk again'));
      } else if (!review.done) {
        lenses.push(
          lens(range, 'Accept', 'auton.review.acceptHunk', [at], 'Merge this hunk into the run\'s integration branch'),
          lens(range, 'Reject', 'auton.review.rejectHunk', [at], 'Drop this hunk; your comment goes back to the developer agent'),
        );
      }
    });
    return lenses;
  }

  /** The review changed: lenses and decorations follow. */
  refresh(): void {
    this.lensesChanged.fire();
    this.decorate();
  }

  /** The review's documents need new text (a review started again with another diff). */
  reload(review: TaskReview): void {
    review.files.forEach((_, f) => {
      for (const side of ['inline', 'base', 'task'] as const) this.changed.fire(reviewUri(review, f, side));
    });
  }

  decorate(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const ref = parseReviewUri(editor.document.uri);
      if (!ref || ref.side !== 'inline') continue;
      const review = this.source.review(ref.runId, ref.taskId);
      const file = review?.files[ref.file];
      if (!review || !file) continue;
      const { lines } = inlineView(file, this.source.oldText(review, ref.file));
      const ranges = (test: (l: RenderedLine) => boolean) =>
        lines.flatMap((l, i) => (test(l) && i < editor.document.lineCount ? [new vscode.Range(i, 0, i, 0)] : []));
      const isRejected = (l: RenderedLine) => l.hunk !== undefined && review.decision({ file: ref.file, hunk: l.hunk })?.accept === false;
      editor.setDecorations(this.added, ranges((l) => l.kind === 'added' && !isRejected(l)));
      editor.setDecorations(this.removed, ranges((l) => l.kind === 'removed'));
      editor.setDecorations(this.rejected, ranges(isRejected));
    }
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}

function describe(accept: boolean, comment?: string): string {
  return accept ? '✓ Accepted' : `✗ Rejected${comment ? `: ${comment.length > 60 ? `${comment.slice(0, 57)}...` : comment}` : ''}`;
}
