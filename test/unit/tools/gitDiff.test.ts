import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from '../../../src/tools/registry';
import { context, git, makeRepo, removeDir, scratchDir, writeFiles } from './helpers';

describe('git_diff and read_spec tools', () => {
  let root: string;
  let base: string;
  before(() => {
    root = makeRepo('gitdiff', {
      'kernels/core/main.c': 'int a;\n',
      'kernels/mm/frame.c': 'int f;\n',
      'kernel_spec/README.md': '# Kernel specification\n\nIndex.\n',
      'kernel_spec/boot.md': '# Boot\n\nThe banner.\n',
      'kernel_spec/arch/riscv64.md': 'intro\n## RISC-V 64\n',
    });
    base = git(root, 'rev-parse', 'HEAD').trim();
    writeFileSync(join(root, 'kernels/mm/frame.c'), 'int f;\nint g;\n');
    git(root, 'commit', '-qam', 'task work');
    writeFileSync(join(root, 'kernels/core/main.c'), 'int b;\n');
    writeFiles(root, { 'kernels/mm/new.c': 'int n;\n', 'kernels/build/riscv64/kernel.elf': 'ignored\n', '.gitignore': 'kernels/build/\n' });
  });
  after(() => removeDir(root));

  it('shows committed, uncommitted and new files against the task base, leaving the index alone', async () => {
    const statusBefore = git(root, 'status', '--porcelain');
    const result = await runTool('git_diff', {}, context(root, 'reviewer', { baseRef: base }));
    assert.equal(result.ok, true, result.output);
    assert.match(result.output, new RegExp(`^4 file\\(s\\) changed against ${base.slice(0, 12)}\\n`));
    for (const file of ['.gitignore', 'kernels/core/main.c', 'kernels/mm/frame.c', 'kernels/mm/new.c']) assert.match(result.output, new RegExp(file.replace(/\./g, '\\.')));
    assert.match(result.output, /\+int g;/);
    assert.match(result.output, /new file mode 100644/);
    assert.doesNotMatch(result.output, /kernel\.elf/);
    assert.equal(git(root, 'status', '--porcelain'), statusBefore);
  });

  it('narrows to a path, gives only the stat on request, and defaults to HEAD', async () => {
    const one = await runTool('git_diff', { path: 'kernels/mm' }, context(root, 'reviewer', { baseRef: base }));
    assert.match(one.output, /^2 file\(s\) changed/);
    assert.doesNotMatch(one.output, /main\.c/);
    const stat = await runTool('git_diff', { stat_only: true }, context(root, 'reviewer', { baseRef: base }));
    assert.match(stat.output, /kernels\/mm\/frame\.c +\| 1 \+/);
    assert.doesNotMatch(stat.output, /@@/);
    const sinceHead = await runTool('git_diff', { stat_only: true }, context(root, 'reviewer'));
    assert.match(sinceHead.output, /^3 file\(s\) changed against [0-9a-f]{12} \(HEAD\)/);
    const escape = await runTool('git_diff', { path: '../..' }, context(root, 'reviewer'));
    assert.equal(escape.ok, false);
  });

  it('says when nothing changed, and when the folder is not a repository', async () => {
    const clean = makeRepo('gitdiff-clean', { 'a.c': 'int a;\n' });
    const plain = scratchDir('gitdiff-plain');
    try {
      assert.match((await runTool('git_diff', {}, context(clean, 'reviewer'))).output, /^no changes against [0-9a-f]{12} \(HEAD\)$/);
      const notRepo = await runTool('git_diff', {}, context(plain, 'reviewer'));
      assert.equal(notRepo.ok, false);
      assert.match(notRepo.output, /^git_diff failed: /);
    } finally {
      removeDir(clean);
      removeDir(plain);
    }
  });

  it('read_spec lists the documents with their titles and reads one', async () => {
    const ctx = context(root, 'architect');
    const list = await runTool('read_spec', {}, ctx);
    assert.equal(list.output, 'arch/riscv64.md: RISC-V 64\nboot.md: Boot\nREADME.md: Kernel specification');
    const boot = await runTool('read_spec', { path: 'boot.md' }, ctx);
    assert.equal(boot.output, 'kernel_spec/boot.md\n# Boot\n\nThe banner.\n');
    assert.equal((await runTool('read_spec', { path: 'kernel_spec/boot.md' }, ctx)).output, boot.output);
    for (const path of ['../kernels/core/main.c', '../../etc/passwd', 'missing.md', 'arch']) {
      const result = await runTool('read_spec', { path }, ctx);
      assert.equal(result.ok, false, path);
      assert.match(result.output, /not in kernel_spec|not a document|leaves the worktree/, path);
    }
  });
});
