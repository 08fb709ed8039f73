/**
 * One task's review: its diff split into files and hunks, what the user decided on each, the
 * comments they typed (decided or still a draft), and the decision handed to the engine once
 * every part is decided. Saved as `.auton/runs/<run>/review/<task>.json` after every change,
 * so a restarted window shows the same state. No `vscode` import: the unit tests load it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RejectedHunk, ReviewDecision } from '../../core/engineDeps';
import { type DiffFile, displayPath, parseUnifiedDiff, patchOf } from './unifiedDiff';

/** A hunk of a file, or (hunk undefined) a file without hunks, decided whole. */
export interface Part {
  file: number;
  hunk?: number;
}

export interface PartDecision {
  accept: boolean;
  comment?: string;
}

interface Saved {
  runId: string;
  taskId: string;
  /** sha256 of the diff: a saved review applies only to the same diff. */
  diff: string;
  decisions: Record<string, PartDecision>;
  drafts: Record<string, string>;
  done: boolean;
}

export const keyOf = (p: Part): string => (p.hunk === undefined ? `${p.file}` : `${p.file}:${p.hunk}`);

export class TaskReview {
  readonly files: DiffFile[];
  private readonly decisions = new Map<string, PartDecision>();
  private readonly drafts = new Map<string, string>();
  private readonly hash: string;
  done = false;

  constructor(
    readonly runId: string,
    readonly taskId: string,
    readonly diff: string,
    /** Where the state is saved; undefined keeps it in memory only. */
    readonly statePath?: string,
  ) {
    this.files = parseUnifiedDiff(diff);
    this.hash = createHash('sha256').update(diff).digest('hex');
    this.load();
  }

  /** Every decidable part, in file order. */
  parts(): Part[] {
    return this.files.flatMap((f, file) => (f.hunks.length === 0 ? [{ file }] : f.hunks.map((_, hunk) => ({ file, hunk }))));
  }

  partsOf(file: number): Part[] {
    return this.parts().filter((p) => p.file === file);
  }

  decision(p: Part): PartDecision | undefined {
    return this.decisions.get(keyOf(p));
  }

  decide(parts: readonly Part[], accept: boolean, comment?: string): void {
    for (const p of parts) {
      this.decisions.set(keyOf(p), comment ? { accept, comment } : { accept });
      this.drafts.delete(keyOf(p));
    }
    this.save();
  }

  /** Forgets the decision on a part (the comment goes back to being a draft). */
  undo(p: Part): void {
    const d = this.decisions.get(keyOf(p));
    if (d?.comment) this.drafts.set(keyOf(p), d.comment);
    this.decisions.delete(keyOf(p));
    this.save();
  }

  draft(p: Part): string {
    return this.drafts.get(keyOf(p)) ?? '';
  }

  /** Keeps what the user typed for a rejection they have not confirmed yet. */
  setDraft(p: Part, text: string): void {
    if (text) this.drafts.set(keyOf(p), text);
    else this.drafts.delete(keyOf(p));
    this.save();
  }

  counts(): { decided: number; total: number; accepted: number; rejected: number } {
    const parts = this.parts();
    const ds = parts.map((p) => this.decision(p)).filter((d): d is PartDecision => d !== undefined);
    return { decided: ds.length, total: parts.length, accepted: ds.filter((d) => d.accept).length, rejected: ds.filter((d) => !d.accept).length };
  }

  complete(): boolean {
    const c = this.counts();
    return c.decided === c.total;
  }

  /** The engine's decision; only meaningful once complete(). */
  result(): ReviewDecision {
    const parts = this.parts();
    const rejected: RejectedHunk[] = [];
    for (const p of parts) {
      const d = this.decision(p);
      if (d?.accept !== false) continue;
      const file = this.files[p.file]!;
      const hunk = p.hunk === undefined ? undefined : file.hunks[p.hunk];
      rejected.push({
        file: displayPath(file),
        hunkHeader: hunk ? hunk.header : '(whole file)',
        ...(d.comment ? { comment: d.comment } : {}),
        ...(hunk ? { text: hunk.lines.join('\n') } : {}),
      });
    }
    const comments = [...new Set(rejected.map((r) => r.comment).filter((c): c is string => !!c))];
    const comment = comments.length ? comments.join('; ') : undefined;
    if (rejected.length === 0) return { accept: true };
    if (rejected.length === parts.length) return { accept: false, ...(comment ? { comment } : {}), rejected };
    const patch = patchOf(this.files, {
      fileAccepted: (file) => this.decision({ file })?.accept === true,
      hunkAccepted: (file, hunk) => this.decision({ file, hunk })?.accept === true,
    });
    return { accept: true, ...(comment ? { comment } : {}), patch, rejected };
  }

  markDone(): void {
    this.done = true;
    this.save();
  }

  private load(): void {
    if (!this.statePath || !existsSync(this.statePath)) return;
    let saved: Saved;
    try {
      saved = JSON.parse(readFileSync(this.statePath, 'utf8')) as Saved;
    } catch {
      return; // a damaged file is replaced by the next save
    }
    if (saved.diff !== this.hash) return;
    for (const [k, d] of Object.entries(saved.decisions ?? {})) this.decisions.set(k, d);
    for (const [k, t] of Object.entries(saved.drafts ?? {})) this.drafts.set(k, t);
    this.done = saved.done === true;
  }

  private save(): void {
    if (!this.statePath) return;
    const saved: Saved = {
      runId: this.runId, taskId: this.taskId, diff: this.hash,
      decisions: Object.fromEntries(this.decisions), drafts: Object.fromEntries(this.drafts), done: this.done,
    };
    mkdirSync(dirname(this.statePath), { recursive: true });
    const tmp = `${this.statePath}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(saved, null, 2)}\n`);
    renameSync(tmp, this.statePath);
  }
}

/** `.auton/runs/<run>/review/<task>.json` under the repository root. */
export function reviewStatePath(repoRoot: string, runId: string, taskId: string): string {
  return join(repoRoot, '.auton', 'runs', runId, 'review', `${taskId}.json`);
}
