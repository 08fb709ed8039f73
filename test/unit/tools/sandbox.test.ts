import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { resolveInWorktree, SandboxError, truncateOutput } from '../../../src/tools/sandbox';
import { makeRepo, removeDir, scratchDir } from './helpers';

describe('tools sandbox: resolveInWorktree', () => {
  let root: string;
  let outside: string;
  before(() => {
    root = makeRepo('sandbox', { 'kernels/core/main.c': 'int main;\n' });
    outside = scratchDir('outside');
    symlinkSync('/', join(root, 'toroot'));
    symlinkSync(outside, join(root, 'outdir'));
    symlinkSync(join(root, 'kernels/core'), join(root, 'inlink'));
    symlinkSync('/nonexistent/auton/target', join(root, 'dangle'));
    symlinkSync(join(root, '.git/config'), join(root, 'gitlink'));
    mkdirSync(join(root, '.auton/runs'), { recursive: true });
  });
  after(() => {
    removeDir(root);
    removeDir(outside);
  });

  const rejects = (path: string, message: RegExp) =>
    assert.throws(() => resolveInWorktree(root, path), (error: unknown) => error instanceof SandboxError && message.test(error.message), path);

  it('resolves relative, empty and inside-absolute paths to real paths in the worktree', () => {
    assert.equal(resolveInWorktree(root, 'kernels/core/main.c'), join(root, 'kernels/core/main.c'));
    assert.equal(resolveInWorktree(root, ''), root);
    assert.equal(resolveInWorktree(root, '.'), root);
    assert.equal(resolveInWorktree(root, join(root, 'kernels')), join(root, 'kernels'));
    assert.equal(resolveInWorktree(root, 'kernels/../kernels/core'), join(root, 'kernels/core'));
  });

  it('accepts files that do not exist yet and symbolic links that stay inside', () => {
    assert.equal(resolveInWorktree(root, 'kernels/new/deep/file.c'), join(root, 'kernels/new/deep/file.c'));
    assert.equal(resolveInWorktree(root, 'inlink/main.c'), join(root, 'kernels/core/main.c'));
  });

  it('rejects ".." escapes and absolute paths outside, saying to use a relative path', () => {
    rejects('../../etc/passwd', /leaves the worktree.*relative to the worktree root/);
    rejects('kernels/../../x', /leaves the worktree/);
    rejects('/etc/passwd', /outside the worktree: use a path relative/);
  });

  it('rejects symbolic links that lead outside, also for a new file under a linked folder', () => {
    rejects('toroot/etc/passwd', /symbolic link that points outside/);
    rejects('toroot', /symbolic link that points outside/);
    rejects('outdir/new.c', /symbolic link that points outside/);
    rejects('outdir/sub/deeper/new.c', /symbolic link that points outside/);
    rejects('dangle', /symbolic link that cannot be resolved/);
  });

  it('rejects .git and .auton, however they are reached', () => {
    rejects('.git/config', /inside \.git\/.*use git_diff/);
    rejects('.GIT/config', /inside \.git\//);
    rejects('kernels/../.git/HEAD', /inside \.git\//);
    rejects('gitlink', /inside \.git\//);
    rejects(join(root, '.git'), /inside \.git\//);
    rejects('.auton/runs/x/state.json', /inside \.auton\//);
  });

  it('rejects NUL bytes', () => {
    rejects('kernels/core/main.c\0.txt', /NUL byte/);
  });
});

describe('tools sandbox: truncateOutput', () => {
  const numbered = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join('\n');

  it('returns text within the limits unchanged', () => {
    assert.equal(truncateOutput('a\nb\nc'), 'a\nb\nc');
  });

  it('keeps the head and the tail with a marker counting the cut lines', () => {
    const out = truncateOutput(numbered(1000), { maxLines: 100 });
    const lines = out.split('\n');
    assert.equal(lines[0], 'line 1');
    assert.equal(lines[lines.length - 1], 'line 1000');
    assert.ok(out.includes('[... 900 lines cut ...]'), out.slice(0, 200));
    assert.equal(lines.length, 101);
  });

  it('honours the byte limit and clips overlong lines', () => {
    const out = truncateOutput(numbered(50).replace(/line/g, 'x'.repeat(200)), { maxBytes: 2_000 });
    assert.ok(Buffer.byteLength(out) <= 2_100, String(Buffer.byteLength(out)));
    assert.match(out, /\[\.\.\. \d+ lines cut \.\.\.\]/);
    assert.match(truncateOutput('y'.repeat(5_000), { maxLineLength: 100 }), /^y{100} \[\.\.\. 4900 chars cut\]$/);
  });

  it('keeps only the tail or only the head when asked', () => {
    const tail = truncateOutput(numbered(100), { maxLines: 10, keep: 'tail' }).split('\n');
    assert.equal(tail[0], '[... 90 lines cut ...]');
    assert.equal(tail[tail.length - 1], 'line 100');
    const head = truncateOutput(numbered(100), { maxLines: 10, keep: 'head' }).split('\n');
    assert.equal(head[0], 'line 1');
    assert.equal(head[head.length - 1], '[... 90 lines cut ...]');
  });
});
