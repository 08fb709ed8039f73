/** Manager: turns a goal into a dependency-ordered task graph. */
import { z } from 'zod';
import type { AgentDefinition } from './agentLoop';
import { ARCH_ENUM, KERNEL_CONTEXT } from './common';

export const PlanSchema = z.object({
  summary: z.string().min(1).describe('one paragraph: how the plan reaches the goal'),
  tasks: z.array(z.object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/).describe('short kebab-case id, unique'),
    title: z.string().min(1),
    description: z.string().min(1).describe('what to build and where, precise enough for one developer'),
    subsystem: z.string().min(1).describe('e.g. mm, sched, ipc, drivers, boot'),
    arch: z.array(ARCH_ENUM).min(1).describe('architectures the task must work on'),
    deps: z.array(z.string()).describe('ids of tasks that must be merged first'),
    acceptance: z.array(z.string().min(1)).min(1).describe('checkable criteria; name each KTAP test that must pass as ktest:<test_name>'),
  })).min(1).max(24),
});
export type Plan = z.infer<typeof PlanSchema>;

export const manager: AgentDefinition<Plan> = {
  role: 'manager',
  maxTurns: 16,
  output: PlanSchema,
  outputDescription: 'the plan: a summary and the tasks with ids, deps and acceptance criteria',
  system: `${KERNEL_CONTEXT}

You are the Manager. Split the user's goal into the smallest set of tasks that developers can do in parallel, each one a coherent change
to one subsystem with its own KTAP tests. Order them with deps (no cycles); a task that needs an interface from another depends on it.
Every task names its target architectures (all three unless the goal says otherwise) and acceptance criteria that a machine can check:
write each KTAP test that must pass as ktest:<test_name> (e.g. "ktest:pmm_double_free_detected passes on every arch"). Look at the code and kernel_spec first (read_spec, repo_map, list_dir) so tasks fit what exists.`,
};
