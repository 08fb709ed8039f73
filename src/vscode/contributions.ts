/**
 * The names package.json contributes that the code refers to: commands, the view, the task
 * type and its actions, the debug type. `commands.ts` must give each command a handler (the
 * `Record<CommandId, ...>` type makes forgetting one a compile error), and the unit tests check
 * these lists against package.json. No `vscode` import, so the tests can load it.
 */
import { ROLES, type RoleId } from '../core/roles';

export const COMMANDS = {
  runGoal: 'auton.runGoal',
  stopRun: 'auton.stopRun',
  resumeRun: 'auton.resumeRun',
  setApiKey: 'auton.setApiKey',
  showRunLog: 'auton.showRunLog',
  refreshTasks: 'auton.refreshTasks',
  reviewTask: 'auton.task.review',
  acceptTask: 'auton.task.accept',
  rejectTask: 'auton.task.reject',
  retryTask: 'auton.task.retry',
  showTaskLog: 'auton.task.showLog',
  kernelBuild: 'auton.kernel.build',
  kernelBoot: 'auton.kernel.boot',
  kernelTest: 'auton.kernel.test',
  kernelDebug: 'auton.kernel.debug',
} as const;

/** The inline review's commands (src/vscode/review registers them; CodeLenses pass their target). */
export const REVIEW_COMMANDS = {
  open: 'auton.review.open',
  acceptHunk: 'auton.review.acceptHunk',
  rejectHunk: 'auton.review.rejectHunk',
  acceptFile: 'auton.review.acceptFile',
  rejectFile: 'auton.review.rejectFile',
  acceptAll: 'auton.review.acceptAll',
  rejectAll: 'auton.review.rejectAll',
  undo: 'auton.review.undo',
  openDiff: 'auton.review.openDiff',
  nextFile: 'auton.review.nextFile',
} as const;
export type ReviewCommandId = (typeof REVIEW_COMMANDS)[keyof typeof REVIEW_COMMANDS];

export type RoleCommandId = `auton.role.${RoleId}`;
export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS] | RoleCommandId;

export function roleCommandId(role: RoleId): RoleCommandId {
  return `auton.role.${role}`;
}

export const ALL_COMMAND_IDS: readonly (CommandId | ReviewCommandId)[] = [
  ...Object.values(COMMANDS),
  ...Object.values(REVIEW_COMMANDS),
  ...ROLES.map((role) => roleCommandId(role.id)),
];

export const TASKS_VIEW = 'auton.tasks';

/** Tasks of this type run `auton kernel <action> --arch <arch>`. */
export const AUTON_TASK_TYPE = 'auton';
export const KERNEL_ACTIONS = ['build', 'boot', 'test'] as const;
export type KernelAction = (typeof KERNEL_ACTIONS)[number];

export const DEBUG_TYPE = 'auton-kernel';

/** The Settings editor filtered to AUTON's settings. */
export const SETTINGS_QUERY = '@ext:auton-dev.auton';
