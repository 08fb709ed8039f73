/** Git for AUTON: an integration branch per run, a worktree per task, merges, cleanup. */
export * from './worktrees';
export { autonIdentity, worktreeDiff, type DiffFile, type WorktreeDiff } from './git';
