/**
 * The kernel build writes compile_commands.json for clangd: one entry per C and preprocessed
 * assembly source with the arch's exact flags, complete enough that clang checks a file
 * with them alone.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ARCHES, artifactsFor, buildKernel } from '../../src/kernel';

const root = resolve(__dirname, '../..');

interface CompileCommand {
  directory: string;
  file: string;
  arguments: string[];
}

describe('compile_commands.json from the kernel build', function () {
  this.timeout(300_000);

  for (const arch of ARCHES) {
    it(`lists every ${arch} C source with the ${arch} flags, usable by clang as they stand`, async () => {
      const built = await buildKernel({ root, arch });
      assert.ok(built.ok, built.message);
      const path = artifactsFor(root, arch).compileCommands;
      const commands = JSON.parse(readFileSync(path, 'utf8')) as CompileCommand[];
      const files = commands.map((c) => c.file);
      assert.ok(files.includes('core/main.c'));
      assert.ok(files.includes(`arch/${arch}/boot.c`));
      assert.ok(!files.some((f) => f.startsWith('arch/') && !f.startsWith(`arch/${arch}/`)), 'no other arch');
      assert.equal(new Set(files).size, files.length, 'one entry per file');

      const main = commands.find((c) => c.file === 'core/main.c')!;
      assert.equal(main.directory, join(root, 'kernels'));
      assert.ok(main.arguments.includes(`--target=${arch}-unknown-elf`), main.arguments.join(' '));
      assert.deepEqual(main.arguments.slice(-4), ['-c', 'core/main.c', '-o', `build/${arch}/obj/core/main.c.o`]);

      const [compiler, ...args] = main.arguments.slice(0, -2);
      const check = spawnSync(compiler!, [...args, '-fsyntax-only'], { cwd: main.directory, encoding: 'utf8' });
      assert.equal(check.status, 0, check.stderr);

      assert.equal(readFileSync(join(root, 'kernels', 'build', 'compile_commands.json'), 'utf8'), readFileSync(path, 'utf8'), 'the last arch built is the default');
    });

    it(`gives ${arch} FP_SRCS floating-point flags and everything else integer-only flags`, async () => {
      const built = await buildKernel({ root, arch });
      assert.ok(built.ok, built.message);
      const commands = JSON.parse(readFileSync(artifactsFor(root, arch).compileCommands, 'utf8')) as CompileCommand[];
      const argsOf = (file: string): string[] => {
        const c = commands.find((x) => x.file === file);
        assert.ok(c, `${file} is listed`);
        return c.arguments;
      };
      const integerOnly: Record<typeof arch, (args: string[]) => boolean> = {
        x86_64: (a) => a.includes('-mgeneral-regs-only'),
        aarch64: (a) => a.includes('-mgeneral-regs-only'),
        riscv64: (a) => a.includes('-march=rv64imac') && a.includes('-mabi=lp64'),
      };
      const fpAllowed: Record<typeof arch, (args: string[]) => boolean> = {
        x86_64: (a) => !a.includes('-mgeneral-regs-only') && a.includes('-msse2') && a.includes('-mno-80387') && a.includes('-mno-red-zone'),
        aarch64: (a) => !a.includes('-mgeneral-regs-only'),
        riscv64: (a) => a.includes('-march=rv64gc') && a.includes('-mabi=lp64'),
      };
      for (const file of ['core/main.c', 'sched/sched.c', `arch/${arch}/boot.c`]) {
        assert.ok(integerOnly[arch](argsOf(file)), `${file}: ${argsOf(file).join(' ')}`);
      }
      assert.ok(fpAllowed[arch](argsOf('tests/test_fpu.c')), argsOf('tests/test_fpu.c').join(' '));
      for (const c of commands.filter((x) => x.file.startsWith('slm/neural/'))) {
        assert.ok(fpAllowed[arch](c.arguments), `${c.file}: ${c.arguments.join(' ')}`);
      }
    });
  }
});
