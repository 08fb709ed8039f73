/**
 * The `git_diff` tool: what the agent's worktree changed since its task began (committed,
 * uncommitted and new files), as a stat and a unified diff.
 */
import { z } from 'zod';
import { worktreeDiff } from '../workspace/git';
import { defineTool, ok } from './define';
import { relativeToRoot, resolveInWorktree, truncateOutput } from './sandbox';

export const gitDiffTool = defineTool({
  name: 'git_diff',
  description:
    'Show what this worktree changed since the task began (committed or not, new files included): a stat, then the ' +
    'unified diff. Give path to see one file or folder, stat_only for the list of files.',
  effect: 'read',
  timeoutMs: 30_000,
  input: z.strictObject({
    path: z.string().optional().describe('only this file or folder, relative to the worktree root'),
    stat_only: z.boolean().default(false).describe('only the list of changed files with line counts'),
  }),
  async run(input, ctx) {
    const paths = input.path === undefined ? [] : [relativeToRoot(ctx.root, resolveInWorktree(ctx.root, input.path))];
    const baseRef = ctx.baseRef ?? 'HEAD';
    const diff = await worktreeDiff(ctx.root, baseRef, paths);
    const against = `against ${diff.base.slice(0, 12)}${baseRef === diff.base ? '' : ` (${baseRef})`}`;
    if (diff.files.length === 0) return ok(`no changes ${against}`, diff);
    const stat = truncateOutput(diff.stat, { maxLines: 200, maxBytes: 12_000 });
    if (input.stat_only) return ok(`${diff.files.length} file(s) changed ${against}\n${stat}`, diff);
    const limits = { maxLines: 800, maxBytes: 40_000 };
    const patch = truncateOutput(diff.patch, limits);
    const cut = diff.patch.split('\n').length > limits.maxLines || Buffer.byteLength(diff.patch) > limits.maxBytes;
    const hint = cut ? '\n[diff cut: pass path to see one file whole]' : '';
    return ok(`${diff.files.length} file(s) changed ${against}\n${stat}\n\n${patch}${hint}`, diff);
  },
});
