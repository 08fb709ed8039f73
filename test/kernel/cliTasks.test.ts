/**
 * What the `auton` tasks show in their terminal, through the CLI they run: the build streams
 * make's output, so clang's diagnostics reach the `$auton-clang` problem matcher with paths
 * relative to kernels/, and a boot streams the serial console line by line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');

function auton(args: string[]): { status: number | null; stdout: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), ...args], { cwd: root, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout };
}

describe('auton kernel tasks in a terminal (the CLI they run)', function () {
  this.timeout(180_000);

  it('build: prints clang\'s errors as clang wrote them, which the problem matcher reads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auton-task-'));
    try {
      mkdirSync(join(dir, 'kernels', 'core'), { recursive: true });
      writeFileSync(join(dir, 'kernels', 'Makefile'), 'all:\n\tclang -fsyntax-only core/broken.c\n');
      writeFileSync(join(dir, 'kernels', 'core', 'broken.c'), 'int f(void)\n{\n\treturn oops;\n}\n');
      const run = auton(['kernel', 'build', '--arch', 'x86_64', '--root', dir]);
      assert.equal(run.status, 1);
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        contributes: { problemMatchers: { name: string; pattern: { regexp: string } }[] };
      };
      const matcher = new RegExp(manifest.contributes.problemMatchers.find((m) => m.name === 'auton-clang')!.pattern.regexp);
      const matched = run.stdout.split('\n').map((line) => matcher.exec(line)).filter((m) => m !== null);
      assert.deepEqual(matched.map((m) => m.slice(1, 5)), [['core/broken.c', '3', '9', 'error']], run.stdout);
      assert.match(run.stdout, /^FAIL x86_64 build failed: /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('boot: streams the serial console line by line, each marked with its arch', () => {
    const run = auton(['kernel', 'boot', '--arch', 'riscv64']);
    assert.equal(run.status, 0, run.stdout);
    const lines = run.stdout.split('\n');
    const banner = lines.indexOf('riscv64 | AUTON 0.1.0 riscv64');
    assert.ok(banner >= 0, run.stdout);
    assert.ok(lines.indexOf('riscv64 | [BOOT] ready') > banner, run.stdout);
    assert.match(run.stdout, /^--- riscv64: booted to \[BOOT\] ready in \d+ ms$/m);
  });
});
