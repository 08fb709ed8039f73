/**
 * The `read_spec` tool: the kernel's specification (Markdown under kernel_spec/), listed with the
 * title of each document, or one document read whole.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { defineTool, ok, ToolError } from './define';
import { isWithin, resolveInWorktree, truncateOutput } from './sandbox';

export const SPEC_DIR = 'kernel_spec';

export const readSpecTool = defineTool({
  name: 'read_spec',
  description:
    'The kernel specification (kernel_spec/*.md): without path, the list of documents with their titles; with path ' +
    '(e.g. "boot.md"), that document.',
  effect: 'read',
  timeoutMs: 15_000,
  input: z.strictObject({
    path: z.string().optional().describe('document relative to kernel_spec/, e.g. "hal.md"'),
  }),
  run(input, ctx) {
    const specRoot = resolveInWorktree(ctx.root, SPEC_DIR);
    if (!existsSync(specRoot)) throw new ToolError(`this worktree has no ${SPEC_DIR}/ folder: there is no written specification to read`);
    if (input.path === undefined) {
      const docs = listMarkdown(specRoot).map((file) => `${file.slice(specRoot.length + 1)}: ${titleOf(file)}`);
      return ok(docs.length ? docs.join('\n') : `${SPEC_DIR}/ holds no .md documents`, docs);
    }
    const relative = input.path.replace(/^\.?\/?kernel_spec\//, '');
    const abs = resolveInWorktree(ctx.root, join(SPEC_DIR, relative));
    if (!isWithin(specRoot, abs)) throw new ToolError(`${input.path} is not in ${SPEC_DIR}/: call read_spec without path for the list`);
    if (!existsSync(abs) || statSync(abs).isDirectory()) {
      throw new ToolError(`${SPEC_DIR}/${relative} is not a document: call read_spec without path for the list`);
    }
    const text = readFileSync(abs, 'utf8');
    return ok(`${SPEC_DIR}/${relative}\n${truncateOutput(text, { maxLines: 1_000, maxBytes: 60_000, keep: 'head' })}`);
  },
});

function listMarkdown(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith('.')) out.push(...listMarkdown(full));
    else if (entry.isFile() && entry.name.endsWith('.md')) out.push(full);
  }
  return out;
}

function titleOf(file: string): string {
  const heading = readFileSync(file, 'utf8').split('\n').find((line) => line.startsWith('#'));
  return heading ? heading.replace(/^#+\s*/, '').trim() : '(untitled)';
}
