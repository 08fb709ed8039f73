/**
 * clangd's diagnostics in the results of write_file and replace_in_file, with the real clangd on
 * a copy of the real kernel: its compile database comes from `make compile-db`, so the kernel's
 * include paths and -Werror apply.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { developer } from '../../../src/agents/developer';
import { loadProjectConfig } from '../../../src/core/configFile';
import { createEngineDeps } from '../../../src/core/wiring';
import { artifactsFor, ClangdPool, which } from '../../../src/kernel';
import { runTool } from '../../../src/tools/registry';
import type { ToolContext } from '../../../src/tools/types';
import { context, git, makeRepo, removeDir, scratchDir } from './helpers';

const KERNELS = resolve(__dirname, '../../../kernels');

/** A probe with a type error on line 5 and an undeclared identifier on line 6. */
const BROKEN = [
  '#include "kstring.h"',
  '',
  'unsigned long probe_length(void)',
  '{',
  '    size_t n = strlen(42);',
  '    return n + missing_count;',
  '}',
  '',
].join('\n');

/** PIDs of clangd processes working in `dir` (Linux /proc). */
function clangdIn(dir: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if (cmd.endsWith('clangd') && readlinkSync(`/proc/${entry}/cwd`) === dir) out.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

describe('clangd diagnostics after edits', function () {
  this.timeout(120_000);
  let root: string;
  let pool: ClangdPool;
  let logs: string[];
  let ctx: ToolContext;

  before(() => {
    root = makeRepo('clangd', { 'README.md': '# probe\n' });
    cpSync(KERNELS, join(root, 'kernels'), { recursive: true, filter: (src) => !src.startsWith(join(KERNELS, 'build')) });
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'kernel');
  });
  beforeEach(() => {
    logs = [];
    // Generous: the bound only keeps a tool from hanging; nothing here measures time.
    pool = new ClangdPool({ waitMs: 90_000, log: (line) => logs.push(line) });
    ctx = context(root, 'developer', { arches: ['riscv64'], cDiagnostics: pool });
  });
  afterEach(() => pool.close());
  after(() => removeDir(root));

  it('has clangd on this machine (scripts/setup.sh installs it)', () => {
    assert.ok(which('clangd'), 'clangd not on PATH: install the Debian package clangd (scripts/setup.sh)');
  });

  it('tells the developer agent that clangd\'s findings follow its edits', () => {
    assert.match(developer.system.replace(/\s+/g, ' '), /result of each write_file or replace_in_file on a C file or header under kernels\/ ends with clangd's errors and warnings/);
  });

  it('reports the errors of a written C file at their lines, with the kernel compile database made by make', async () => {
    const db = artifactsFor(root, 'riscv64').compileCommands;
    assert.ok(!existsSync(db), 'no compile database before the first edit');
    const r = await runTool('write_file', { path: 'kernels/core/probe.c', content: BROKEN }, ctx);
    assert.ok(r.ok, r.output);
    assert.ok(existsSync(db), 'make compile-db wrote the riscv64 database');
    const lines = r.output.split('\n');
    assert.equal(lines[0], 'created kernels/core/probe.c (7 lines)');
    assert.equal(lines[1], 'clangd: 2 errors in kernels/core/probe.c:');
    // -Werror from the compile database makes the int-to-pointer conversion an error; without
    // the database's -I include, kstring.h would not be found at all.
    assert.match(lines[2] ?? '', /^kernels\/core\/probe\.c:5:23: error: incompatible integer to pointer conversion passing 'int' to parameter of type 'const char \*'/);
    assert.equal(lines[3], '    kernels/include/kstring.h:12:27: note: passing argument to parameter \'s\' here');
    assert.match(lines[4] ?? '', /^kernels\/core\/probe\.c:6:16: error: use of undeclared identifier 'missing_count'$/);
    assert.equal(lines.length, 5);
    assert.doesNotMatch(r.output, /not found/);
    assert.equal(clangdIn(join(root, 'kernels')).length, 1, 'one clangd for the worktree');
  });

  it('says there is nothing wrong once replace_in_file fixes them', async () => {
    const first = await runTool('write_file', { path: 'kernels/core/probe_fix.c', content: BROKEN }, ctx);
    assert.match(first.output, /2 errors/);
    const fix1 = await runTool('replace_in_file', { path: 'kernels/core/probe_fix.c', search: 'strlen(42)', replace: 'strlen("probe")' }, ctx);
    assert.ok(fix1.ok, fix1.output);
    assert.match(fix1.output, /\nclangd: 1 error in kernels\/core\/probe_fix\.c:\nkernels\/core\/probe_fix\.c:6:16: error: use of undeclared identifier 'missing_count'/i);
    const fix2 = await runTool('replace_in_file', { path: 'kernels/core/probe_fix.c', search: 'n + missing_count', replace: 'n' }, ctx);
    assert.ok(fix2.ok, fix2.output);
    assert.equal(fix2.output.split('\n').at(-1), 'clangd: no errors or warnings in kernels/core/probe_fix.c');
  });

  it('checks headers too, and sees a header changed on disk when the file including it is edited again', async () => {
    const header = await runTool('write_file', { path: 'kernels/include/probe.h', content: '#include <stddef.h>\n\nprobe_size_t probe_count(void);\n' }, ctx);
    assert.match(header.output, /\nclangd: 1 error in kernels\/include\/probe\.h:\nkernels\/include\/probe\.h:3:1: error: unknown type name 'probe_size_t'/i);
    const user = '#include "probe.h"\n\nsize_t probe_twice(void)\n{\n    return 2 * probe_count();\n}\n';
    const before = await runTool('write_file', { path: 'kernels/core/probe_user.c', content: user }, ctx);
    assert.match(before.output, /\nkernels\/core\/probe_user\.c:1:10: error: in included file: unknown type name 'probe_size_t'\n {4}kernels\/include\/probe\.h:3:1: note: error occurred here$/);
    await runTool('replace_in_file', { path: 'kernels/include/probe.h', search: 'probe_size_t', replace: 'size_t' }, ctx);
    const after = await runTool('write_file', { path: 'kernels/core/probe_user.c', content: `${user}/* again */\n` }, ctx);
    assert.equal(after.output.split('\n').at(-1), 'clangd: no errors or warnings in kernels/core/probe_user.c');
  });

  it('shows the first ten of many', async () => {
    const body = Array.from({ length: 12 }, (_, i) => `    undeclared_${i}++;`).join('\n');
    const r = await runTool('write_file', { path: 'kernels/core/probe_many.c', content: `void probe_many(void)\n{\n${body}\n}\n` }, ctx);
    assert.match(r.output, /clangd: 12 errors in kernels\/core\/probe_many\.c:/);
    assert.equal(r.output.split('\n').filter((l) => l.startsWith('kernels/core/probe_many.c:')).length, 10);
    assert.match(r.output, /\n\[\.\.\. 2 more: fix these first\]$/);
  });

  it('leaves files outside kernels/ alone', async () => {
    const r = await runTool('write_file', { path: 'tools/probe.c', content: 'int x = y;\n' }, ctx);
    assert.equal(r.output, 'created tools/probe.c (1 lines)');
    assert.equal(pool.size, 0, 'no clangd started');
  });

  it('says so when clangd does not answer within the wait', async () => {
    const quick = new ClangdPool({ waitMs: 0 });
    try {
      const r = await runTool('write_file', { path: 'kernels/core/probe_quick.c', content: 'int probe_quick;\n' }, { ...ctx, cDiagnostics: quick });
      assert.ok(r.ok, r.output);
      assert.equal(r.output, 'created kernels/core/probe_quick.c (1 lines)\nclangd gave no diagnostics in time for kernels/core/probe_quick.c; kernel_build shows the compiler\'s errors');
    } finally {
      await quick.close();
    }
  });

  it('adds nothing when clangd is not installed, and logs that once', async () => {
    const empty = scratchDir('no-clangd');
    const missing = new ClangdPool({ env: { ...process.env, PATH: empty }, log: (line) => logs.push(line) });
    try {
      const c = { ...ctx, cDiagnostics: missing };
      const r1 = await runTool('write_file', { path: 'kernels/core/probe_plain.c', content: BROKEN }, c);
      assert.equal(r1.output, 'created kernels/core/probe_plain.c (7 lines)');
      const r2 = await runTool('replace_in_file', { path: 'kernels/core/probe_plain.c', search: 'strlen(42)', replace: 'strlen("x")' }, c);
      assert.ok(r2.ok && !r2.output.includes('clangd'), r2.output);
      assert.deepEqual(logs, ['clangd is not installed (Debian package "clangd"): agents get no C diagnostics after their edits']);
    } finally {
      await missing.close();
      removeDir(empty);
    }
  });

  it('starts clangd again when it died between edits', async () => {
    await runTool('write_file', { path: 'kernels/core/probe_crash.c', content: 'int probe_crash;\n' }, ctx);
    const [pid] = clangdIn(join(root, 'kernels'));
    assert.ok(pid, 'clangd runs');
    process.kill(pid, 'SIGKILL');
    while (clangdIn(join(root, 'kernels')).includes(pid)) await new Promise((r) => setTimeout(r, 20));
    const r = await runTool('write_file', { path: 'kernels/core/probe_crash.c', content: BROKEN }, ctx);
    assert.match(r.output, /\nclangd: 2 errors in kernels\/core\/probe_crash\.c:/);
    assert.ok(logs.some((l) => /stopped unexpectedly .*; starting it again$/.test(l)), logs.join('\n'));
  });

  it('stops its clangd when closed', async () => {
    await runTool('write_file', { path: 'kernels/core/probe_stop.c', content: BROKEN }, ctx);
    assert.equal(clangdIn(join(root, 'kernels')).length, 1);
    await pool.close();
    assert.deepEqual(clangdIn(join(root, 'kernels')), []);
    assert.equal(pool.size, 0);
  });

  describe('in the engine wiring', () => {
    const depsWith = (enabled: boolean) => {
      const values = { 'models.default': 'anthropic/claude-sonnet-4-6', 'clangd.enabled': enabled };
      const project = loadProjectConfig(root, {}, [{ source: 'test', values }]);
      assert.deepEqual(project.problems, []);
      return createEngineDeps({ repoRoot: root, config: project.config, env: { ANTHROPIC_API_KEY: 'test-key' } });
    };
    const write = (deps: Awaited<ReturnType<typeof depsWith>>, name: string) =>
      deps.tools.runTool([], 'write_file', { path: `kernels/core/${name}.c`, content: BROKEN }, context(root, 'developer', { arches: ['riscv64'] }));

    it('gives agents clangd diagnostics while auton.clangd.enabled is on, and stops clangd with the run', async () => {
      const deps = await depsWith(true);
      const r = await write(deps, 'probe_on');
      assert.match(r.output, /\nclangd: 2 errors in kernels\/core\/probe_on\.c:/);
      assert.equal(clangdIn(join(root, 'kernels')).length, 1);
      await deps.tools.close?.();
      assert.deepEqual(clangdIn(join(root, 'kernels')), []);
    });

    it('gives none when auton.clangd.enabled is off', async () => {
      const deps = await depsWith(false);
      const r = await write(deps, 'probe_off');
      assert.equal(r.output, 'created kernels/core/probe_off.c (7 lines)');
      assert.deepEqual(clangdIn(join(root, 'kernels')), []);
      await deps.tools.close?.();
    });
  });
});
