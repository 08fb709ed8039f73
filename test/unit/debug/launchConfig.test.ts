import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBuilt, resolveLaunch } from '../../../src/debug/launchConfig';

describe('auton-kernel launch configuration', () => {
  it('fills in the kernel, image, gdb and gdb architecture from root and arch', () => {
    const launch = resolveLaunch({ arch: 'aarch64', root: '/repo' });
    assert.equal(launch.kernel, '/repo/kernels/build/aarch64/kernel.elf');
    assert.equal(launch.image, '/repo/kernels/build/aarch64/kernel.bin');
    assert.equal(launch.gdbPath, 'gdb-multiarch');
    assert.equal(launch.gdbArch, 'aarch64');
    assert.equal(launch.build, true, 'builds when it knows the repository');
    assert.equal(launch.stopAtEntry, true);
    assert.equal(launch.entry, 'kmain');
    assert.equal(resolveLaunch({ arch: 'x86_64', root: '/repo' }).gdbArch, 'i386:x86-64');
    assert.equal(resolveLaunch({ arch: 'riscv64', root: '/repo' }).gdbArch, 'riscv:rv64');
  });

  it('takes a kernel path relative to root, an explicit image, and no build without a root', () => {
    assert.equal(resolveLaunch({ arch: 'riscv64', root: '/repo', kernel: 'out/k.elf' }).kernel, '/repo/out/k.elf');
    const bare = resolveLaunch({ arch: 'riscv64', kernel: '/tmp/k.elf', image: '/tmp/k.img' });
    assert.equal(bare.build, false);
    assert.equal(bare.image, '/tmp/k.img');
    assert.equal(resolveLaunch({ kernel: '/tmp/k.elf' }).arch, 'x86_64');
  });

  it('refuses what cannot work, saying what to write instead', () => {
    assert.throws(() => resolveLaunch({ arch: 'arm', root: '/repo' }), /"arch": "arm" is not a kernel architecture; use x86_64, aarch64 or riscv64/);
    assert.throws(() => resolveLaunch({ arch: 'x86_64' }), /give "kernel" .* or "root"/);
    assert.throws(() => resolveLaunch({ arch: 'x86_64', kernel: '/k.elf', build: true }), /"build": true needs "root"/);
    assert.throws(() => resolveLaunch({ arch: 'x86_64', root: '/repo', cpus: 0 }), /"cpus" must be a whole number >= 1/);
  });

  it('says how to build a kernel that is not there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auton-launch-'));
    try {
      const launch = resolveLaunch({ arch: 'riscv64', root: dir, build: false });
      assert.throws(() => checkBuilt(launch), /the riscv64 kernel is not built: kernel ELF .*kernel\.elf does not exist\. Run "AUTON: Build Kernel" \(or `auton kernel build --arch riscv64`\), or set "build": true\./);
      mkdirSync(join(dir, 'kernels', 'build', 'riscv64'), { recursive: true });
      writeFileSync(launch.kernel, '');
      assert.throws(() => checkBuilt(launch), /QEMU image .*kernel\.bin does not exist/);
      writeFileSync(launch.image, '');
      checkBuilt(launch);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
