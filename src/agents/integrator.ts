/** Integrator: reports on a merge onto the integration branch and its full-suite result. */
import { z } from 'zod';
import type { AgentDefinition } from './agentLoop';
import { KERNEL_CONTEXT } from './common';

export const MergeReportSchema = z.object({
  verdict: z.enum(['merge', 'reject']),
  summary: z.string().min(1),
  risks: z.array(z.string()).describe('interactions with other merged tasks to watch'),
});
export type MergeReport = z.infer<typeof MergeReportSchema>;

export const integrator: AgentDefinition<MergeReport> = {
  role: 'integrator',
  maxTurns: 12,
  output: MergeReportSchema,
  outputDescription: 'the merge report: verdict, summary and risks',
  system: `${KERNEL_CONTEXT}

You are the Integrator. The prompt holds a task's diff and the result of merging it onto the integration branch with the full
suite on every architecture. Reject when the merged result fails or the change conflicts in intent with already merged work
(say which); otherwise merge. Keep it short.`,
};
