import assert from 'node:assert/strict';
import { runTool, toolsFor } from '../../../src/tools/registry';
import { shellTool, splitCommandLine } from '../../../src/tools/shell';
import { context, makeRepo, removeDir } from './helpers';

describe('shell tool', () => {
  let root: string;
  before(() => {
    root = makeRepo('shell', { 'kernels/a.c': 'int a;\n', 'kernels/b c.c': 'int b;\n' });
  });
  after(() => removeDir(root));

  it('is off by default: not offered, and a call says there is no shell', async () => {
    assert.ok(!toolsFor('developer').some((t) => t.spec.name === 'shell'));
    for (const ctx of [context(root), context(root, 'developer', { shellAllowlist: [] })]) {
      const viaRegistry = await runTool('shell', { command: 'ls' }, ctx);
      assert.equal(viaRegistry.ok, false);
      assert.match(viaRegistry.output, /^no shell: the user has not allowed any commands in this run, so use the other tools/);
      const direct = await shellTool.run({ command: 'ls' }, ctx);
      assert.equal(direct.output, viaRegistry.output);
    }
    const reviewer = await runTool('shell', { command: 'ls' }, context(root, 'reviewer', { shellAllowlist: ['ls'] }));
    assert.match(reviewer.output, /^the reviewer role cannot use shell/);
  });

  it('runs an allowed command in the worktree, without a shell, with its exit status', async () => {
    const ctx = context(root, 'developer', { shellAllowlist: ['ls', 'git status'] });
    const listed = await runTool('shell', { command: "ls -1 kernels 'kernels/b c.c'" }, ctx);
    assert.equal(listed.ok, true, listed.output);
    assert.match(listed.output, /^\$ ls -1 kernels kernels\/b c\.c\nexit status 0\n/);
    assert.match(listed.output, /\na\.c\n/);
    const status = await runTool('shell', { command: 'git status --short' }, ctx);
    assert.equal(status.ok, true, status.output);
    const failing = await runTool('shell', { command: 'ls does-not-exist' }, ctx);
    assert.equal(failing.ok, false);
    assert.match(failing.output, /exit status 2\n.*does-not-exist/);
  });

  it('enforces the allowlist by whole words, subcommands included', async () => {
    const ctx = context(root, 'developer', { shellAllowlist: ['ls', 'git status'] });
    for (const command of ['rm -rf kernels', 'git push', 'lsblk', '/bin/ls', 'gitstatus']) {
      const result = await runTool('shell', { command }, ctx);
      assert.equal(result.ok, false, command);
      assert.match(result.output, /is not allowed: the commands the user allows start with "ls", "git status"/, command);
    }
  });

  it('refuses shell features instead of passing them on literally', async () => {
    const ctx = context(root, 'developer', { shellAllowlist: ['ls'] });
    for (const command of ['ls | sh', 'ls; rm -rf /', 'ls && id', 'ls > out', 'ls $(id)', 'ls `id`', 'ls *.c', 'ls ~', 'ls "$HOME"']) {
      const result = await runTool('shell', { command }, ctx);
      assert.equal(result.ok, false, command);
      assert.match(result.output, /^no shell: /, command);
    }
  });

  it('stops a command at its timeout', async () => {
    const result = await runTool('shell', { command: 'sleep 30', timeout_s: 1 }, context(root, 'developer', { shellAllowlist: ['sleep'] }));
    assert.equal(result.ok, false);
    assert.match(result.output, /^\$ sleep 30\nkilled after 1 s \(timeout\)/);
  });

  it('hides secrets from the command environment', async () => {
    process.env.AUTON_TEST_API_KEY = 'sk-test-secret';
    try {
      const result = await runTool('shell', { command: 'env' }, context(root, 'developer', { shellAllowlist: ['env'] }));
      assert.equal(result.ok, true, result.output);
      assert.doesNotMatch(result.output, /sk-test-secret|AUTON_TEST_API_KEY/);
      assert.match(result.output, /PATH=/);
    } finally {
      delete process.env.AUTON_TEST_API_KEY;
    }
  });

  it('splits command lines like a shell splits plain words and quotes', () => {
    assert.deepEqual(splitCommandLine('make  -C kernels ARCH=riscv64'), ['make', '-C', 'kernels', 'ARCH=riscv64']);
    assert.deepEqual(splitCommandLine(`grep -n 'a | b' "c \\"d\\"" e\\ f ''`), ['grep', '-n', 'a | b', 'c "d"', 'e f', '']);
    assert.deepEqual(splitCommandLine('echo a#b'), ['echo', 'a#b']);
    assert.throws(() => splitCommandLine('echo "open'), /unterminated " quote/);
    assert.throws(() => splitCommandLine("echo 'open"), /unterminated ' quote/);
    assert.throws(() => splitCommandLine('   '), /empty command/);
    assert.throws(() => splitCommandLine('ls # comment'), /no shell/);
  });
});
