/**
 * Inline review of agent diffs (issue 7): per-hunk CodeLens "Accept | Reject",
 * "Accept file | Reject file | Accept all", added lines highlighted, removed
 * lines as ghost text, `vscode.diff` one click away. The engine asks for a
 * decision through `awaitDecision` (src/core/engineDeps.ts) when the review
 * mode is "human".
 *
 * CONTRACT (placeholder until the review work lands): the run/tree side
 * (activate.ts, commands.ts, taskTree.ts) uses only this interface.
 */
import type * as vscode from 'vscode';
import type { EngineDeps } from '../../core/engineDeps';

export type Decision = Awaited<ReturnType<NonNullable<EngineDeps['awaitDecision']>>>;

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

export function createReviewController(_context: vscode.ExtensionContext): ReviewController {
  throw new Error('inline review: not built yet');
}
