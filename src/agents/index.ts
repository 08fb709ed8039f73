/** Every agent role by id (the ids of src/core/roles.ts). */
import type { RoleId } from '../core/roles';
import type { AgentDefinition } from './agentLoop';
import { architect } from './architect';
import { developer } from './developer';
import { integrator } from './integrator';
import { manager } from './manager';
import { reviewer } from './reviewer';
import { dataScientist, evaluation, exporter, modelArchitect, quantization, training } from './slmTeam';
import { tester } from './tester';

export const AGENTS: Record<RoleId, AgentDefinition<unknown>> = {
  manager, architect, developer, reviewer, tester, integrator,
  dataScientist, modelArchitect, training, evaluation, quantization, export: exporter,
};

export { runAgent, type AgentDefinition, type AgentOutcome } from './agentLoop';
