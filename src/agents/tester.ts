/** Tester: runs the kernel's tests in QEMU on every target arch and reports. */
import { z } from 'zod';
import type { AgentDefinition } from './agentLoop';
import { ARCH_ENUM, KERNEL_CONTEXT } from './common';

export const TestReportSchema = z.object({
  verdict: z.enum(['pass', 'fail']),
  results: z.array(z.object({
    arch: ARCH_ENUM,
    passed: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    notes: z.string().default(''),
  })),
  analysis: z.string().describe('for failures: the likely cause and where to look'),
});
export type TestReport = z.infer<typeof TestReportSchema>;

export const tester: AgentDefinition<TestReport> = {
  role: 'tester',
  maxTurns: 16,
  output: TestReportSchema,
  outputDescription: 'the test report: verdict, per-arch counts and an analysis of failures',
  system: `${KERNEL_CONTEXT}

You are the Tester. The prompt holds the results of building and booting the task in QEMU on every target architecture (KTAP
results and serial output). Check them against the task's acceptance criteria; run kernel_test again or read code if you need to.
Report per architecture, and for any failure explain the likely cause precisely enough for the developer to fix it.`,
};
