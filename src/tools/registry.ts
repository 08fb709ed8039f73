/**
 * Every tool by name, the tools each role gets, and `runTool`, the one way the engine calls a
 * tool: it checks that the caller's role has the tool, bounds the call with the tool's timeout,
 * and turns anything that goes wrong into a result the model can read.
 */
import { ROLE_IDS } from '../core/roles';
import type { ToolSpec } from '../llm/types';
import { errorResult, fail } from './define';
import { deleteFileTool, listDirTool, readFileTool, replaceInFileTool, writeFileTool } from './files';
import { gitDiffTool } from './gitDiff';
import { createKernelTools, type KernelHarness, realHarness } from './kernel';
import { readMessagesTool, sendMessageTool } from './messages';
import { isRoleId, ROLE_TOOLS, SHELL_ROLES } from './permissions';
import { repoMapTool } from './repoMap';
import { searchTool } from './search';
import { shellTool } from './shell';
import { createSlmTools, type SlmToolOptions } from './slm';
import { readSpecTool } from './spec';
import type { Tool, ToolContext, ToolResult } from './types';

export interface ToolRegistryOptions {
  /** Stand-ins for make and QEMU (tests); the real harness by default. */
  kernel?: KernelHarness;
  /** Where the SLM tools find the repository's pipeline and dataset, and their limits. */
  slm?: SlmToolOptions;
  /** Per-tool timeouts in milliseconds, replacing the tools' own. */
  timeoutsMs?: Partial<Record<string, number>>;
}

export class ToolRegistry {
  private readonly tools: ReadonlyMap<string, Tool>;
  private readonly timeoutsMs: Partial<Record<string, number>>;

  constructor(options: ToolRegistryOptions = {}) {
    this.timeoutsMs = options.timeoutsMs ?? {};
    const all = [
      readFileTool, listDirTool, searchTool, repoMapTool, readSpecTool,
      writeFileTool, replaceInFileTool, deleteFileTool,
      ...createKernelTools(options.kernel ?? realHarness),
      gitDiffTool, sendMessageTool, readMessagesTool, shellTool,
      ...createSlmTools(options.slm),
    ];
    this.tools = new Map(all.map((tool) => [tool.spec.name, tool]));
  }

  /** Every tool name, whatever the role. */
  get names(): string[] {
    return [...this.tools.keys()];
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  /**
   * The tools of a role; the shell only for the roles that run things and only when the user
   * allowed some commands.
   */
  toolsFor(roleId: string, options: { shellAllowlist?: string[] } = {}): Tool[] {
    if (!isRoleId(roleId)) throw new Error(`unknown role "${roleId}": use one of ${ROLE_IDS.join(', ')}`);
    const names = [...ROLE_TOOLS[roleId]];
    if (SHELL_ROLES.includes(roleId) && (options.shellAllowlist ?? []).some((entry) => entry.trim())) names.push('shell');
    return names.map((name) => {
      const tool = this.tools.get(name);
      if (!tool) throw new Error(`ROLE_TOOLS names "${name}", which is not a tool`);
      return tool;
    });
  }

  /** What the model is offered for a role (ToolSpec for the LLM request). */
  specsFor(roleId: string, options: { shellAllowlist?: string[] } = {}): ToolSpec[] {
    return this.toolsFor(roleId, options).map((tool) => tool.spec);
  }

  /**
   * Runs a tool for `ctx.role`. Never throws: an unknown tool, a tool the role does not have,
   * invalid input, a timeout, a cancellation or any error comes back as `{ ok: false, output }`.
   */
  async runTool(name: string, input: unknown, ctx: ToolContext): Promise<ToolResult> {
    let allowed: Tool[];
    try {
      allowed = this.toolsFor(ctx.role, { shellAllowlist: ctx.shellAllowlist });
    } catch (error) {
      return fail((error as Error).message);
    }
    // A role that runs things may always call the shell: without an allowlist the tool itself
    // answers why there is none, which says more than "not your tool".
    const shellRole = name === 'shell' && isRoleId(ctx.role) && SHELL_ROLES.includes(ctx.role);
    const tool = shellRole ? this.tools.get(name) : allowed.find((t) => t.spec.name === name);
    if (!tool) {
      const list = allowed.map((t) => t.spec.name).join(', ');
      return fail(
        this.tools.has(name)
          ? `the ${ctx.role} role cannot use ${name}; its tools are: ${list}`
          : `there is no tool "${name}"; the tools you can use are: ${list}`,
      );
    }
    if (ctx.signal?.aborted) return fail(`${name} was not run: the run was cancelled`);

    // The tool sees one signal that fires on cancellation and on timeout, so it can stop its
    // processes; the caller gets its answer at that moment whether or not the tool has stopped yet.
    const timeoutMs = this.timeoutsMs[name] ?? tool.timeoutMs;
    const controller = new AbortController();
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, controller.signal]) : controller.signal;
    return new Promise<ToolResult>((resolvePromise) => {
      const settle = (result: ToolResult) => {
        clearTimeout(timer);
        ctx.signal?.removeEventListener('abort', onCancel);
        resolvePromise(result);
      };
      const onCancel = () => {
        settle(fail(`${name} was cancelled`));
        controller.abort();
      };
      const timer = setTimeout(() => {
        settle(fail(`${name} timed out after ${formatSeconds(timeoutMs)} and was stopped: ask for less, or narrow the request`));
        controller.abort();
      }, timeoutMs);
      ctx.signal?.addEventListener('abort', onCancel, { once: true });
      tool.run(input, { ...ctx, signal }).then(settle, (error: unknown) => settle(errorResult(name, error)));
    });
  }
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

/** The registry with the real kernel harness. */
export const defaultRegistry = new ToolRegistry();

export function toolsFor(roleId: string, options: { shellAllowlist?: string[] } = {}): Tool[] {
  return defaultRegistry.toolsFor(roleId, options);
}

export function runTool(name: string, input: unknown, ctx: ToolContext): Promise<ToolResult> {
  return defaultRegistry.runTool(name, input, ctx);
}
