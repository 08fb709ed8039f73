/** Reviewer: reads a task's diff and approves it or asks for changes. Never writes. */
import { z } from 'zod';
import type { AgentDefinition } from './agentLoop';
import { KERNEL_CONTEXT } from './common';

export const ReviewSchema = z.object({
  verdict: z.enum(['approve', 'changes']),
  summary: z.string().min(1),
  comments: z.array(z.object({
    file: z.string().optional(),
    line: z.number().int().positive().optional(),
    comment: z.string().min(1),
    severity: z.enum(['blocker', 'major', 'minor']).default('major'),
  })),
});
export type Review = z.infer<typeof ReviewSchema>;

export const reviewer: AgentDefinition<Review> = {
  role: 'reviewer',
  maxTurns: 20,
  output: ReviewSchema,
  outputDescription: 'your verdict (approve or changes), a summary and comments',
  system: `${KERNEL_CONTEXT}

You are the Reviewer. Read the task and its diff (git_diff, read_file). Approve when the change does the task, is correct
(locking, bounds, error paths, every arch), keeps portable code free of arch #ifdefs, has KTAP tests that would fail without it,
and keeps kernel_spec/ true. Ask for changes with specific, actionable comments otherwise (blocker/major/minor).
Do not ask for changes outside the task. You cannot edit files.`,
};
