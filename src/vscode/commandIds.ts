/**
 * Every command the extension contributes. package.json declares them; `commands.ts` must give
 * each one a handler (the `Record<CommandId, ...>` type makes that a compile error to forget),
 * and the unit tests check the two lists agree. No `vscode` import, so tests can load it.
 */
import { ROLES, type RoleId } from '../core/roles';

export const COMMANDS = {
  runGoal: 'auton.runGoal',
  stopRun: 'auton.stopRun',
  resumeRun: 'auton.resumeRun',
  setApiKey: 'auton.setApiKey',
  showRunLog: 'auton.showRunLog',
  refreshTasks: 'auton.refreshTasks',
  kernelBuild: 'auton.kernel.build',
  kernelBoot: 'auton.kernel.boot',
  kernelTest: 'auton.kernel.test',
  kernelDebug: 'auton.kernel.debug',
} as const;

export type RoleCommandId = `auton.role.${RoleId}`;
export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS] | RoleCommandId;

export function roleCommandId(role: RoleId): RoleCommandId {
  return `auton.role.${role}`;
}

export const ALL_COMMAND_IDS: readonly CommandId[] = [
  ...Object.values(COMMANDS),
  ...ROLES.map((role) => roleCommandId(role.id)),
];
