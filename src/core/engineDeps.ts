/**
 * What the engine needs from the outside world, as narrow interfaces: models
 * per role, the git workspace, the agents' tools and the kernel harness.
 * The CLI and the extension wire the real ones; tests may wire others.
 */
import type { Arch } from '../kernel/arches';
import type { BuildResult } from '../kernel/build';
import type { TestRunResult } from '../kernel/harness';
import type { LlmClient } from '../llm/types';
import type { Tool, ToolContext, ToolResult } from '../tools/types';
import type { BudgetLimits } from './budget';
import type { RoleId } from './roles';

export interface MergeOutcome {
  ok: boolean;
  commit?: string;
  conflicts?: string[];
}

/** Git operations on the run's branches and worktrees (never the user's checkout). */
export interface RunWorkspace {
  /** Creates (or, on resume, finds) the integration branch and its worktree; returns its path. */
  integration(runId: string, baseRef: string): Promise<{ path: string; branch: string; base: string }>;
  /** Creates (or reuses) a task's worktree on its own branch starting at `from`. */
  taskWorktree(runId: string, taskId: string, from: string): Promise<{ path: string; branch: string }>;
  /** Replaces a task branch with a fresh one at `from` (its old work stays reachable in the log). */
  resetTask(runId: string, taskId: string, from: string): Promise<{ path: string; branch: string }>;
  head(worktree: string): Promise<string>;
  commitAll(worktree: string, message: string, author: string): Promise<string | null>;
  /** Unified diff of the worktree against `base`; `binary` includes binary files' contents (for `applyPatch`). */
  diff(worktree: string, base: string, options?: { binary?: boolean }): Promise<string>;
  /** Applies a patch to the worktree's index and files (`git apply --index`) and commits it; returns the commit. */
  applyPatch(worktree: string, patch: string, message: string, author: string): Promise<string>;
  mergeInto(worktree: string, branch: string, message: string): Promise<MergeOutcome>;
  resetHard(worktree: string, ref: string): Promise<void>;
  /** Aborts an interrupted merge and commits stray edits as work in progress. */
  recover(worktree: string): Promise<void>;
  /** The user's current HEAD commit. */
  userHead(): Promise<string>;
}

export interface KernelHarness {
  build(root: string, arch: Arch, signal?: AbortSignal): Promise<BuildResult>;
  test(root: string, arch: Arch, signal?: AbortSignal): Promise<TestRunResult>;
}

export interface AgentTools {
  toolsFor(role: RoleId): Tool[];
  runTool(tools: readonly Tool[], name: string, input: unknown, ctx: ToolContext): Promise<ToolResult>;
  /** Stops what the tools keep running between calls (clangd); the engine calls it when the run ends. */
  close?(): Promise<void>;
}

export interface EngineSettings {
  arches: Arch[];
  maxParallel: number;
  budget: BudgetLimits;
  reviewMode: 'automatic' | 'human';
  /** Developer attempts per task before it fails. */
  maxAttempts: number;
  /** `provider/model` per role, for the log. */
  models: Record<RoleId, string>;
  shellAllowlist?: string[];
}

export interface EngineDeps {
  repoRoot: string;
  settings: EngineSettings;
  llmFor(role: RoleId): LlmClient;
  workspace: RunWorkspace;
  tools: AgentTools;
  harness: KernelHarness;
  /** Progress lines for people (CLI output, output channels). */
  onProgress?: (line: string) => void;
  /** Every event as it is logged (the extension's live tree). */
  onEvent?: (event: { type: string; [key: string]: unknown }) => void;
  /**
   * Human review mode: resolves to the user's decision on a task's change. `diff` is what the
   * merge adds to the integration branch (binary files included), so an accepted subset of it
   * applies to the integration branch as it was before the merge.
   */
  awaitDecision?: (runId: string, taskId: string, diff: string) => Promise<ReviewDecision>;
}

/** A hunk the user rejected; it goes back to the developer with the comment. */
export interface RejectedHunk {
  file: string;
  /** `@@ -a,b +c,d @@`, or `(whole file)` for a file without hunks (binary, rename). */
  hunkHeader: string;
  comment?: string;
  /** The hunk's lines, so the developer sees what was refused. */
  text?: string;
}

/**
 * The user's decision on a task's change. All of it: `accept` and no `rejected`. None of it:
 * `accept: false`. Part of it: `accept: true`, the accepted hunks as `patch` (against the
 * integration branch before the merge) and the others in `rejected`.
 */
export interface ReviewDecision {
  accept: boolean;
  comment?: string;
  patch?: string;
  rejected?: RejectedHunk[];
}
