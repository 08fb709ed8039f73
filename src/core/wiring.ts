/**
 * Builds a real Engine's dependencies from the configuration: one model
 * client per role (keys from the environment or the caller's secret store),
 * the git workspace, the agents' tools and the kernel harness. Shared by the
 * CLI and the extension.
 */
import { testKernel } from '../kernel/harness';
import { buildKernel } from '../kernel/build';
import { ClangdPool } from '../kernel/clangd';
import type { Arch } from '../kernel/arches';
import { createLlmClient, type CreateLlmClientOptions } from '../llm';
import { formatModelRef, type ProviderId } from '../llm/providers';
import type { LlmClient } from '../llm/types';
import { ToolRegistry } from '../tools/registry';
import { gitAt } from '../workspace/git';
import { Workspace } from '../workspace';
import type { AutonConfig } from './config';
import type { EngineDeps, EngineSettings, RunWorkspace } from './engineDeps';
import { ROLE_IDS, type RoleId } from './roles';

export interface WiringOptions {
  repoRoot: string;
  config: AutonConfig;
  /** Overrides from the command line. */
  arches?: Arch[];
  maxParallel?: number;
  env?: Record<string, string | undefined>;
  getSecret?: (provider: ProviderId) => Promise<string | undefined>;
  llm?: Omit<CreateLlmClientOptions, 'env' | 'getSecret'>;
  shellAllowlist?: string[];
  maxAttempts?: number;
  onProgress?: EngineDeps['onProgress'];
  onEvent?: EngineDeps['onEvent'];
  awaitDecision?: EngineDeps['awaitDecision'];
}

export function runWorkspaceOf(ws: Workspace): RunWorkspace {
  return {
    async integration(runId, baseRef) {
      const run = await ws.createIntegrationBranch(runId, baseRef);
      const path = await ws.integrationWorktree(runId);
      return { path, branch: run.integrationBranch, base: run.base };
    },
    async taskWorktree(runId, taskId, from) {
      const wt = await ws.createTaskWorktree(runId, taskId, from);
      return { path: wt.path, branch: wt.branch };
    },
    async resetTask(runId, taskId, from) {
      const wt = await ws.createTaskWorktree(runId, taskId, from);
      await ws.commitAll(wt.path, 'work in progress before a rebase onto the integration branch', 'developer');
      await ws.resetHard(wt.path, from);
      return { path: wt.path, branch: wt.branch };
    },
    async head(worktree) {
      return (await gitAt(worktree).revparse(['HEAD'])).trim();
    },
    commitAll: (worktree, message, author) => ws.commitAll(worktree, message, author),
    async diff(worktree, base, options) {
      const d = await ws.diff(worktree, base, [], options);
      return d.patch;
    },
    applyPatch: (worktree, patch, message, author) => ws.applyPatch(worktree, patch, message, author),
    async mergeInto(worktree, branch, message) {
      const r = await ws.mergeInto(worktree, branch, message);
      return r.ok ? { ok: true, commit: r.commit } : { ok: false, conflicts: r.conflicts };
    },
    resetHard: (worktree, ref) => ws.resetHard(worktree, ref),
    async recover(worktree) {
      await ws.recover(worktree);
    },
    async userHead() {
      return (await gitAt(ws.root).revparse(['HEAD'])).trim();
    },
  };
}

/** Creates every role's model client up front, so a missing key fails before anything runs. */
export async function createRoleClients(config: AutonConfig, opts: Pick<WiringOptions, 'env' | 'getSecret' | 'llm'>): Promise<Record<RoleId, LlmClient>> {
  const clients = new Map<string, Promise<LlmClient>>();
  const out = {} as Record<RoleId, LlmClient>;
  for (const role of ROLE_IDS) {
    const model = formatModelRef(config.models.roles[role]);
    if (!clients.has(model)) {
      clients.set(model, createLlmClient(model, { ...opts.llm, env: opts.env ?? process.env, getSecret: opts.getSecret }));
    }
    out[role] = await clients.get(model)!;
  }
  return out;
}

export async function createEngineDeps(o: WiringOptions): Promise<EngineDeps> {
  const ws = await Workspace.open(o.repoRoot);
  const clients = await createRoleClients(o.config, o);
  const registry = new ToolRegistry();
  // clangd's diagnostics after each edit of a kernel C file, one clangd per worktree.
  const clangd = o.config.clangd.enabled ? new ClangdPool({ log: o.onProgress }) : undefined;
  const arches: Arch[] = o.arches ?? (o.config.kernel.arch === 'all' ? ['x86_64', 'aarch64', 'riscv64'] : [o.config.kernel.arch]);
  const settings: EngineSettings = {
    arches,
    maxParallel: o.maxParallel ?? o.config.maxParallelDevelopers,
    budget: { ...o.config.budget },
    reviewMode: o.config.reviewMode,
    maxAttempts: o.maxAttempts ?? 4,
    models: Object.fromEntries(ROLE_IDS.map((r) => [r, formatModelRef(o.config.models.roles[r])])) as Record<RoleId, string>,
    shellAllowlist: o.shellAllowlist,
  };
  return {
    repoRoot: ws.root,
    settings,
    llmFor: (role) => clients[role],
    workspace: runWorkspaceOf(ws),
    tools: {
      toolsFor: (role) => registry.toolsFor(role, { shellAllowlist: o.shellAllowlist }),
      runTool: (_tools, name, input, ctx) => registry.runTool(name, input, clangd ? { ...ctx, cDiagnostics: clangd } : ctx),
      close: async () => clangd?.close(),
    },
    harness: {
      build: (root, arch, signal) => buildKernel({ root, arch, signal }),
      test: (root, arch, signal) => testKernel({ root, arch, noBuild: true, signal }),
    },
    onProgress: o.onProgress,
    onEvent: o.onEvent,
    awaitDecision: o.awaitDecision,
  };
}
