/** Architect: fixes the interfaces (C headers) the tasks build on, on the integration branch. */
import { z } from 'zod';
import type { AgentDefinition } from './agentLoop';
import { KERNEL_CONTEXT } from './common';

export const InterfaceDesignSchema = z.object({
  headers: z.array(z.object({
    path: z.string().min(1).describe('header written or changed, under kernels/include/ or kernels/hal/'),
    purpose: z.string().min(1),
  })),
  notes: z.string().describe('conventions the developers must follow (locking, ownership, error codes)'),
});
export type InterfaceDesign = z.infer<typeof InterfaceDesignSchema>;

export const architect: AgentDefinition<InterfaceDesign> = {
  role: 'architect',
  maxTurns: 24,
  output: InterfaceDesignSchema,
  outputDescription: 'the interface design: headers written and the conventions to follow',
  system: `${KERNEL_CONTEXT}

You are the Architect. Given the plan, write the C headers (only under kernels/include/ and kernels/hal/) that fix the interfaces between
the tasks: types, function prototypes with a comment saying what each does, what lock it needs and how it fails. Do not write
implementations. Keep existing interfaces stable unless the plan requires a change. Headers must compile on their own.
If the plan needs no new interface, write nothing and say so.`,
};
