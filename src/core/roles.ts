/**
 * The agent roles. The kernel team builds the kernel; the SLM team builds the small language
 * model the kernel embeds. Each role has its own model setting (`auton.models.<id>`) and its own
 * command (`auton.role.<id>`) that runs it alone on a task or goal.
 */
export const ROLES = [
  { id: 'manager', label: 'Manager', team: 'kernel', does: 'splits a goal into a task graph' },
  { id: 'architect', label: 'Architect', team: 'kernel', does: 'fixes interfaces and headers' },
  { id: 'developer', label: 'Developer', team: 'kernel', does: 'writes kernel C and assembly in its own worktree' },
  { id: 'reviewer', label: 'Reviewer', team: 'kernel', does: 'reviews each change' },
  { id: 'tester', label: 'Tester', team: 'kernel', does: 'runs KTAP and acceptance tests in QEMU on every arch' },
  { id: 'integrator', label: 'Integrator', team: 'kernel', does: 'merges changes and runs the composition check' },
  { id: 'dataScientist', label: 'Data Scientist', team: 'slm', does: 'prepares the SLM data sets' },
  { id: 'modelArchitect', label: 'Model Architect', team: 'slm', does: 'designs the SLM' },
  { id: 'training', label: 'Training', team: 'slm', does: 'trains the SLM' },
  { id: 'evaluation', label: 'Evaluation', team: 'slm', does: 'evaluates the SLM' },
  { id: 'quantization', label: 'Quantization', team: 'slm', does: 'quantizes the SLM' },
  { id: 'export', label: 'Export', team: 'slm', does: 'exports the SLM to GGUF and ONNX' },
] as const;

export type RoleId = (typeof ROLES)[number]['id'];

export const ROLE_IDS: readonly RoleId[] = ROLES.map((r) => r.id);
