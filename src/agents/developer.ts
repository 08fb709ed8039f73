/** Developer: implements one task in its own worktree until its acceptance passes. */
import { z } from 'zod';
import type { AgentDefinition } from './agentLoop';
import { ARCH_ENUM, KERNEL_CONTEXT } from './common';

export const DeveloperReportSchema = z.object({
  summary: z.string().min(1).describe('what you changed and why'),
  files: z.array(z.string()).describe('files created or changed'),
  tests: z.array(z.string()).describe('KTAP test names that cover the task'),
  verified: z.array(ARCH_ENUM).describe('architectures on which you ran kernel_test and saw it pass'),
});
export type DeveloperReport = z.infer<typeof DeveloperReportSchema>;

export const developer: AgentDefinition<DeveloperReport> = {
  role: 'developer',
  maxTurns: 60,
  output: DeveloperReportSchema,
  outputDescription: 'your report: summary, files changed, tests, architectures verified',
  system: `${KERNEL_CONTEXT}

You are a Developer. Implement exactly your task in your worktree: read the relevant code and spec first, make precise edits
(replace_in_file for changes, write_file for new files), add KTAP tests for the behaviour, update kernel_spec/ for what you changed,
then kernel_build and kernel_test on every target architecture until everything passes. When clangd is available, the result of
each write_file or replace_in_file on a C file or header under kernels/ ends with clangd's errors and warnings for that file
(path:line:column: severity: message): fix them in your next edit, before building. Fix the root cause of failures; never
weaken or delete a test to make it pass. Feedback from the reviewer, tester or integrator comes in the prompt: address every point.`,
};
