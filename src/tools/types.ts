/**
 * What an agent may do. Each tool validates its own input, resolves every
 * path inside the task's worktree, has a timeout, and reports failure as a
 * result the model can read (ok: false), never as a thrown error.
 */
import type { CheckResult } from '../kernel/clangd';
import type { ToolSpec } from '../llm/types';

export interface ToolContext {
  /** Absolute path of the worktree the agent works in; no path may leave it. */
  root: string;
  runId: string;
  taskId: string;
  /** Role id of the agent making the call (src/core/roles.ts). */
  role: string;
  /** Target architectures of the task. */
  arches: string[];
  signal?: AbortSignal;
  /** Recorded edits (for the run log and the diff review). */
  onEdit?: (edit: EditRecord) => void;
  /** Commands allowed by the user for the `shell` tool; absent = no shell. */
  shellAllowlist?: string[];
  /** Folder for file-based messages between agents (.auton/runs/<id>/messages). */
  messagesDir?: string;
  /** Commit the task started from; git_diff compares the worktree with it (default HEAD). */
  baseRef?: string;
  /**
   * clangd (src/kernel/clangd.ts): write_file and replace_in_file add its errors and warnings
   * for a kernel C file or header they changed to their result. Absent: no diagnostics.
   */
  cDiagnostics?: CDiagnosticsSource;
}

export interface CDiagnosticsSource {
  /** Diagnostics for `rel` (relative to `root`) whose content on disk is now `text`. Never throws. */
  check(root: string, rel: string, text: string, o: { arches?: readonly string[]; signal?: AbortSignal }): Promise<CheckResult>;
}

export interface EditRecord {
  path: string;
  kind: 'write' | 'replace' | 'delete';
  /** Unified diff of the change. */
  diff: string;
}

export interface ToolResult {
  ok: boolean;
  /** What the model reads; already truncated to a sensible size. */
  output: string;
  /** Structured data for the engine (e.g. KTAP results), not shown to the model. */
  data?: unknown;
}

export interface Tool {
  spec: ToolSpec;
  /** Side effects: 'read' tools are safe for any role; 'write' change files; 'exec' run things. */
  effect: 'read' | 'write' | 'exec';
  timeoutMs: number;
  run(input: unknown, ctx: ToolContext): Promise<ToolResult>;
}
