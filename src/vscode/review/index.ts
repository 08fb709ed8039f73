/**
 * Inline review of agent diffs (issue 7): per-hunk CodeLens "Accept | Reject",
 * "Accept file | Reject file | Accept all", added lines highlighted, removed
 * lines as ghost text, `vscode.diff` one click away. The engine asks for a
 * decision through `awaitDecision` (src/core/engineDeps.ts) when the review
 * mode is "human"; the answer carries the accepted hunks as a patch and the
 * rejected ones with the user's comments.
 *
 * The run/tree side (activate.ts, commands.ts, taskTree.ts) uses only the
 * ReviewController interface. The controller registers its own commands
 * (auton.review.*), the `auton-review:` documents and their CodeLenses.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ReviewDecision } from '../../core/engineDeps';
import { REVIEW_COMMANDS } from '../contributions';
import { inlineView, parseReviewUri, REVIEW_SCHEME, ReviewDocuments, reviewUri } from './reviewView';
import { type Part, reviewStatePath, TaskReview } from './taskReview';
import { displayPath } from './unifiedDiff';

export type Decision = ReviewDecision;

export interface ReviewController extends vscode.Disposable {
  /** Given to createEngineDeps as awaitDecision: opens the review and resolves when the user decided. */
  awaitDecision(runId: string, taskId: string, diff: string): Promise<Decision>;
  /** Opens the review of a task waiting for a decision (tree: "Review changes"). */
  open(runId: string, taskId: string): Promise<void>;
  /** Decides the whole task at once (tree: "Accept", "Reject with feedback"). False when nothing waits. */
  decideAll(runId: string, taskId: string, accept: boolean, comment?: string): boolean;
  /** Tasks waiting for a decision. */
  pending(): Array<{ runId: string; taskId: string }>;
  /** Fires when a review starts or ends (the tree refreshes). */
  readonly onDidChange: vscode.Event<void>;
}

/** Arguments the CodeLenses pass; without them a command acts on the active review editor. */
interface Target {
  runId: string;
  taskId: string;
  file?: number;
  hunk?: number;
  /** Given by a caller that already has the comment (no input box). */
  comment?: string;
}

interface Waiting {
  review: TaskReview;
  resolve: (d: Decision) => void;
}

/** Command that hands a diff to the review and returns the decision (tests, other extensions). */
export const AWAIT_DECISION_COMMAND = 'auton.review.awaitDecision';

const key = (runId: string, taskId: string) => `${runId}/${taskId}`;

class Controller implements ReviewController {
  private readonly reviews = new Map<string, TaskReview>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly oldTexts = new Map<string, string | undefined>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly docs: ReviewDocuments;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.docs = new ReviewDocuments({
      review: (runId, taskId) => this.reviews.get(key(runId, taskId)),
      oldText: (review, file) => this.oldTexts.get(`${key(review.runId, review.taskId)}/${file}`),
    });
    const c = REVIEW_COMMANDS;
    const handlers: Record<string, (...args: never[]) => unknown> = {
      [c.open]: (runId?: string, taskId?: string) => this.openCommand(runId, taskId),
      [c.acceptHunk]: (t?: Target) => this.decideHunk(t, true),
      [c.rejectHunk]: (t?: Target) => this.decideHunk(t, false),
      [c.acceptFile]: (t?: Target) => this.decideFile(t, true),
      [c.rejectFile]: (t?: Target) => this.decideFile(t, false),
      [c.acceptAll]: (t?: Target) => this.decideTask(t, true),
      [c.rejectAll]: (t?: Target) => this.decideTask(t, false),
      [c.undo]: (t?: Target) => this.undo(t),
      [c.openDiff]: (t?: Target) => this.openDiff(t),
      [c.nextFile]: (t?: Target) => this.nextFile(t),
      [AWAIT_DECISION_COMMAND]: (runId: string, taskId: string, diff: string) => this.awaitDecision(runId, taskId, diff),
    };
    this.subscriptions.push(
      this.docs,
      this.changed,
      vscode.workspace.registerTextDocumentContentProvider(REVIEW_SCHEME, this.docs),
      vscode.languages.registerCodeLensProvider({ scheme: REVIEW_SCHEME }, this.docs),
      ...Object.entries(handlers).map(([id, handler]) => vscode.commands.registerCommand(id, handler)),
    );
  }

  async awaitDecision(runId: string, taskId: string, diff: string): Promise<Decision> {
    const k = key(runId, taskId);
    this.waiting.get(k)?.resolve({ accept: false, comment: 'superseded by a newer change of the same task' });
    const root = repositoryOf(runId);
    const review = new TaskReview(runId, taskId, diff, root ? reviewStatePath(root, runId, taskId) : undefined);
    if (review.parts().length === 0) return { accept: true };
    this.reviews.set(k, review);
    await Promise.all(review.files.map(async (f, i) => {
      this.oldTexts.set(`${k}/${i}`, f.oldBlob && root ? await gitBlob(root, f.oldBlob) : f.status === 'added' ? '' : undefined);
    }));
    this.docs.reload(review);
    // Decided before (the window or the run restarted): the saved decision stands.
    if (review.complete()) {
      review.markDone();
      this.docs.refresh();
      return review.result();
    }
    const decision = new Promise<Decision>((resolve) => this.waiting.set(k, { review, resolve }));
    this.changed.fire();
    this.docs.refresh();
    const c = review.counts();
    void vscode.window.showInformationMessage(
      `AUTON: ${taskId} waits for your review (${review.files.length} file${review.files.length === 1 ? '' : 's'}, ${c.total} hunk${c.total === 1 ? '' : 's'}).`,
      'Review Changes',
    ).then((choice) => (choice ? this.open(runId, taskId) : undefined));
    return decision;
  }

  async open(runId: string, taskId: string, file = 0): Promise<void> {
    const review = this.reviews.get(key(runId, taskId));
    if (!review) throw new Error(`AUTON: no review of task ${taskId} in run ${runId}: it is not waiting for a decision`);
    const document = await vscode.workspace.openTextDocument(reviewUri(review, file, 'inline'));
    await vscode.window.showTextDocument(document, { preview: false });
    this.docs.decorate();
  }

  decideAll(runId: string, taskId: string, accept: boolean, comment?: string): boolean {
    const w = this.waiting.get(key(runId, taskId));
    if (!w) return false;
    w.review.decide(w.review.parts(), accept, comment);
    this.settle(w.review);
    return true;
  }

  pending(): Array<{ runId: string; taskId: string }> {
    return [...this.waiting.values()].map((w) => ({ runId: w.review.runId, taskId: w.review.taskId }));
  }

  dispose(): void {
    for (const w of this.waiting.values()) w.resolve({ accept: false, comment: 'the review was closed with the window' });
    this.waiting.clear();
    for (const s of this.subscriptions) s.dispose();
  }

  // ---- commands -----------------------------------------------------------

  private async openCommand(runId?: string, taskId?: string): Promise<void> {
    if (runId && taskId) return this.open(runId, taskId);
    const choices = this.pending().map((p) => ({ label: p.taskId, description: `run ${p.runId}`, ...p }));
    if (choices.length === 0) {
      void vscode.window.showInformationMessage('AUTON: no task waits for a review. Set auton.reviewMode to "human" to review each change before it is merged.');
      return;
    }
    const picked = choices.length === 1 ? choices[0] : await vscode.window.showQuickPick(choices, { placeHolder: 'Review the changes of which task?' });
    if (picked) await this.open(picked.runId, picked.taskId);
  }

  private async decideHunk(t: Target | undefined, accept: boolean): Promise<void> {
    const at = this.target(t, true);
    if (!at) return;
    const part: Part = { file: at.file, hunk: at.hunk };
    await this.decideParts(at.review, [part], accept, t?.comment, `hunk ${(at.hunk ?? 0) + 1} of ${displayPath(at.review.files[at.file]!)}`);
  }

  private async decideFile(t: Target | undefined, accept: boolean): Promise<void> {
    const at = this.target(t, false);
    if (!at) return;
    await this.decideParts(at.review, at.review.partsOf(at.file), accept, t?.comment, displayPath(at.review.files[at.file]!));
  }

  private async decideTask(t: Target | undefined, accept: boolean): Promise<void> {
    const at = this.target(t, false);
    if (!at) return;
    const undecided = at.review.parts().filter((p) => !at.review.decision(p));
    await this.decideParts(at.review, undecided.length ? undecided : at.review.parts(), accept, t?.comment, `every undecided hunk of ${at.review.taskId}`);
  }

  private async decideParts(review: TaskReview, parts: Part[], accept: boolean, given: string | undefined, what: string): Promise<void> {
    if (review.done || parts.length === 0) return;
    let comment = given;
    if (!accept && comment === undefined) {
      comment = await this.askComment(review, parts[0]!, what);
      if (comment === undefined) return; // dismissed: the text stays as a draft
    }
    review.decide(parts, accept, comment || undefined);
    this.settle(review);
  }

  /** Asks why; Enter rejects, Escape keeps the text as a draft the next Reject starts from. */
  private askComment(review: TaskReview, part: Part, what: string): Promise<string | undefined> {
    const box = vscode.window.createInputBox();
    box.title = `Reject ${what}`;
    box.prompt = 'Why? The developer agent gets your comment (optional). Enter rejects; Escape keeps what you typed for later.';
    box.placeholder = 'e.g. keep the old name; the scheduler calls it';
    box.value = review.draft(part);
    box.ignoreFocusOut = true;
    return new Promise((resolve) => {
      let answer: string | undefined;
      box.onDidAccept(() => {
        answer = box.value.trim();
        box.hide();
      });
      box.onDidHide(() => {
        if (answer === undefined) review.setDraft(part, box.value);
        box.dispose();
        resolve(answer);
      });
      box.show();
    });
  }

  private undo(t: Target | undefined): void {
    const at = this.target(t, true);
    if (!at || at.review.done) return;
    at.review.undo({ file: at.file, hunk: at.hunk });
    this.docs.refresh();
  }

  private async openDiff(t: Target | undefined): Promise<void> {
    const at = this.target(t, false);
    if (!at) return;
    const file = at.review.files[at.file]!;
    const title = `${displayPath(file)} (base ↔ ${at.review.taskId})`;
    await vscode.commands.executeCommand('vscode.diff', reviewUri(at.review, at.file, 'base'), reviewUri(at.review, at.file, 'task'), title, { preview: false });
  }

  private async nextFile(t: Target | undefined): Promise<void> {
    const at = this.target(t, false);
    if (!at) return;
    await this.open(at.review.runId, at.review.taskId, (at.file + 1) % at.review.files.length);
  }

  // ---- state --------------------------------------------------------------

  /** Resolves the engine's wait once every part is decided; refreshes the view either way. */
  private settle(review: TaskReview): void {
    const k = key(review.runId, review.taskId);
    const w = this.waiting.get(k);
    if (review.complete() && w?.review === review) {
      review.markDone();
      this.waiting.delete(k);
      const decision = review.result();
      w.resolve(decision);
      this.changed.fire();
      const c = review.counts();
      void vscode.window.showInformationMessage(`AUTON: review of ${review.taskId} sent: ${c.accepted} accepted, ${c.rejected} rejected.`);
    }
    this.docs.refresh();
  }

  /**
   * The review, file and hunk a command acts on: its arguments, or else the active review editor
   * and (for hunk commands) the hunk under the cursor.
   */
  private target(t: Target | undefined, needHunk: boolean): { review: TaskReview; file: number; hunk?: number } | undefined {
    if (t?.runId && t.taskId) {
      const review = this.reviews.get(key(t.runId, t.taskId));
      if (!review) {
        void vscode.window.showWarningMessage(`AUTON: task ${t.taskId} of run ${t.runId} has no review open.`);
        return undefined;
      }
      return { review, file: t.file ?? 0, hunk: t.hunk };
    }
    const editor = vscode.window.activeTextEditor;
    const ref = editor && parseReviewUri(editor.document.uri);
    const review = ref && this.reviews.get(key(ref.runId, ref.taskId));
    if (!editor || !ref || !review) {
      void vscode.window.showWarningMessage('AUTON: open a task\'s review first (AUTON: Review Task Changes).');
      return undefined;
    }
    if (!needHunk || review.files[ref.file]!.hunks.length === 0) return { review, file: ref.file };
    const hunk = this.hunkAt(review, ref.file, editor.selection.active.line);
    if (hunk === undefined) {
      void vscode.window.showWarningMessage('AUTON: put the cursor in a hunk (a highlighted block) first.');
      return undefined;
    }
    return { review, file: ref.file, hunk };
  }

  /** The hunk whose lines (in the inline view) include `line`. */
  private hunkAt(review: TaskReview, file: number, line: number): number | undefined {
    const f = review.files[file]!;
    const old = f.status === 'added' ? '' : this.oldTexts.get(`${key(review.runId, review.taskId)}/${file}`);
    return inlineView(f, old).lines[line]?.hunk;
  }
}

/** The repository a run lives in: the workspace folder holding `.auton/runs/<run>`, else the first folder. */
function repositoryOf(runId: string): string | undefined {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const withRun = folders.find((f) => existsSync(join(f.uri.fsPath, '.auton', 'runs', runId)));
  return (withRun ?? folders[0])?.uri.fsPath;
}

/** A blob's text from the repository's object store, or undefined when git does not have it. */
function gitBlob(root: string, blob: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['cat-file', 'blob', blob], { cwd: root, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      resolve(error ? undefined : stdout.toString('utf8'));
    });
  });
}

export function createReviewController(context: vscode.ExtensionContext): ReviewController {
  const controller = new Controller();
  context.subscriptions.push(controller);
  return controller;
}
