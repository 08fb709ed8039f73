/**
 * Builds a real SlmFlow's dependencies from the configuration: one model client per role, and
 * the tool registry whose slm_* tools run this repository's pipeline. Shared by the CLI and the
 * extension.
 */
import type { CreateLlmClientOptions } from '../llm';
import { formatModelRef, type ProviderId } from '../llm/providers';
import { ToolRegistry } from '../tools/registry';
import type { AutonConfig } from './config';
import { DEFAULT_SLM_FLOW, type SlmFlowDeps, type SlmFlowSettings } from './slmFlow';
import { ROLE_IDS, type RoleId } from './roles';
import { createRoleClients } from './wiring';

export interface SlmWiringOptions {
  repoRoot: string;
  config: AutonConfig;
  /** Overrides of the flow's defaults (variants, parallel training, install, ...). */
  flow?: Partial<Omit<SlmFlowSettings, 'budget' | 'models'>>;
  env?: Record<string, string | undefined>;
  getSecret?: (provider: ProviderId) => Promise<string | undefined>;
  llm?: Omit<CreateLlmClientOptions, 'env' | 'getSecret'>;
  onProgress?: SlmFlowDeps['onProgress'];
  onEvent?: SlmFlowDeps['onEvent'];
}

export async function createSlmFlowDeps(o: SlmWiringOptions): Promise<SlmFlowDeps> {
  const clients = await createRoleClients(o.config, o);
  const registry = new ToolRegistry({ slm: { repoRoot: o.repoRoot } });
  const settings: SlmFlowSettings = {
    ...DEFAULT_SLM_FLOW,
    ...o.flow,
    budget: { ...o.config.budget },
    models: Object.fromEntries(ROLE_IDS.map((r) => [r, formatModelRef(o.config.models.roles[r])])) as Record<RoleId, string>,
  };
  return {
    repoRoot: o.repoRoot,
    settings,
    llmFor: (role) => clients[role],
    tools: {
      toolsFor: (role) => registry.toolsFor(role),
      runTool: (_tools, name, input, ctx) => registry.runTool(name, input, ctx),
    },
    onProgress: o.onProgress,
    onEvent: o.onEvent,
  };
}
