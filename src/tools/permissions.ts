/**
 * Who may do what. Each role gets a set of tools (the registry offers it only those), and the
 * tools that change files check the caller's role themselves, so a role that reaches a write
 * tool by another way is still refused.
 */
import { ROLE_IDS, type RoleId } from '../core/roles';
import { ToolError } from './define';
import { relativeToRoot } from './sandbox';
import type { ToolContext } from './types';

/** Reading the worktree and the spec: every role. */
export const READ_TOOLS = ['read_file', 'list_dir', 'search', 'repo_map', 'read_spec'] as const;
export const MESSAGE_TOOLS = ['send_message', 'read_messages'] as const;
export const KERNEL_TOOLS = ['kernel_build', 'kernel_boot', 'kernel_test'] as const;
export const EDIT_TOOLS = ['write_file', 'replace_in_file', 'delete_file'] as const;
export const SLM_TOOLS = ['slm_data', 'slm_train', 'slm_eval', 'slm_quantize', 'slm_export'] as const;

/** Offered to these roles only when the user allowed some commands (ToolContext.shellAllowlist). */
export const SHELL_ROLES: readonly RoleId[] = ['developer', 'tester', 'integrator'];

const READ_AND_TALK = [...READ_TOOLS, ...MESSAGE_TOOLS];

/** The tools of each role (the shell comes on top, see SHELL_ROLES). */
export const ROLE_TOOLS: Record<RoleId, readonly string[]> = {
  manager: READ_AND_TALK,
  architect: [...READ_AND_TALK, 'write_file', 'replace_in_file'],
  developer: [...READ_AND_TALK, ...EDIT_TOOLS, ...KERNEL_TOOLS, 'git_diff'],
  reviewer: [...READ_AND_TALK, 'git_diff'],
  tester: [...READ_AND_TALK, ...KERNEL_TOOLS, 'git_diff'],
  integrator: [...READ_AND_TALK, ...KERNEL_TOOLS, 'git_diff'],
  // The SLM team works in an SLM run's workspace; each role runs its own stage of the pipeline.
  dataScientist: [...READ_AND_TALK, 'slm_data'],
  modelArchitect: READ_AND_TALK,
  training: [...READ_AND_TALK, 'slm_train', 'slm_eval'],
  evaluation: [...READ_AND_TALK, 'slm_eval'],
  quantization: [...READ_AND_TALK, 'slm_quantize', 'slm_eval'],
  export: [...READ_AND_TALK, 'slm_export'],
};

/**
 * Where each role may change files, as folders relative to the worktree root ('' = anywhere).
 * A role absent here changes nothing.
 */
export const WRITE_SCOPES: Partial<Record<RoleId, readonly string[]>> = {
  developer: [''],
  architect: ['kernels/include', 'kernels/hal'],
};

export function isRoleId(value: string): value is RoleId {
  return (ROLE_IDS as readonly string[]).includes(value);
}

/** Throws a ToolError unless ctx.role may change the file at `abs` (already resolved in the worktree). */
export function assertWritable(ctx: ToolContext, abs: string): void {
  const scopes = isRoleId(ctx.role) ? WRITE_SCOPES[ctx.role] : undefined;
  if (!scopes) {
    throw new ToolError(`the ${ctx.role} role may not change files: report what should change (send_message) instead`);
  }
  const rel = relativeToRoot(ctx.root, abs);
  if (!scopes.some((scope) => scope === '' || rel === scope || rel.startsWith(`${scope}/`))) {
    throw new ToolError(
      `the ${ctx.role} role may only change files under ${scopes.map((s) => `${s}/`).join(' and ')}; ${rel} is outside: ` +
        'send the change you want to the developer of that code (send_message)',
    );
  }
}
