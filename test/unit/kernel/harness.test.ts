import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArchList, PROFILES } from '../../../src/kernel/arches';
import { parseDiagnostics } from '../../../src/kernel/build';
import { bootKernel, qemuArgs } from '../../../src/kernel/qemu';
import { checkToolchain } from '../../../src/kernel/toolchain';

describe('kernel host harness (no QEMU)', () => {
  let dir: string;
  let image: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'auton-harness-'));
    image = join(dir, 'kernel.bin');
    writeFileSync(image, 'not really a kernel');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A stand-in QEMU: a shell script that prints `lines` and exits with `code` (or sleeps). */
  function fakeQemu(name: string, lines: string[], code: number | 'hang'): string {
    const path = join(dir, name);
    const body = lines.map((l) => `printf '%s\\r\\n' '${l.replace(/'/g, "'\\''")}'`).join('\n');
    writeFileSync(path, `#!/bin/sh\n${body}\n${code === 'hang' ? 'exec sleep 30' : `exit ${code}`}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it('parses architecture lists and rejects unknown ones with the valid names', () => {
    assert.deepEqual(parseArchList('all'), ['x86_64', 'aarch64', 'riscv64']);
    assert.deepEqual(parseArchList('arm64,x86_64,arm64'), ['aarch64', 'x86_64']);
    assert.throws(() => parseArchList('mips'), /unknown architecture "mips": use one of x86_64, aarch64, riscv64 or all/);
    assert.throws(() => parseArchList(' , '), /no architecture given/);
  });

  it('builds the QEMU command line each arch needs', () => {
    const x86 = qemuArgs({ arch: 'x86_64', kernel: 'k', cmdline: 'ktest', memory: '1G', cpus: 2 });
    assert.deepEqual(x86.slice(0, 2), ['-machine', 'q35']);
    assert.ok(x86.join(' ').includes('-device isa-debug-exit,iobase=0xf4,iosize=0x04'));
    assert.ok(x86.join(' ').includes('-m 1G -smp 2'));
    assert.ok(x86.join(' ').includes('-kernel k -append ktest'));
    assert.ok(qemuArgs({ arch: 'aarch64', kernel: 'k' }).includes('-semihosting'));
    assert.deepEqual(qemuArgs({ arch: 'riscv64', kernel: 'k', gdbPort: 1234 }).slice(-3), ['-S', '-gdb', 'tcp:127.0.0.1:1234']);
    const iso = qemuArgs({ arch: 'x86_64', iso: 'a.iso', cmdline: 'ignored' });
    assert.ok(iso.includes('-cdrom') && !iso.includes('-kernel') && !iso.includes('-append'));
    assert.throws(() => qemuArgs({ arch: 'x86_64' }), /kernel image or an ISO/);
  });

  it('maps exit status 33, 35, 37 and a [PANIC] line', async () => {
    const banner = ['AUTON 0.1.0 x86_64', '[BOOT] ready'];
    const pass = await bootKernel({ arch: 'x86_64', kernel: image, qemuBinary: fakeQemu('q33', banner, 33) });
    assert.equal(pass.outcome, 'tests-passed');
    assert.equal(pass.exitCode, 33);
    assert.equal(pass.banner, 'AUTON 0.1.0 x86_64');
    assert.equal(pass.ready, true);
    const fail = await bootKernel({ arch: 'x86_64', kernel: image, qemuBinary: fakeQemu('q35', banner, 35) });
    assert.equal(fail.outcome, 'tests-failed');
    const panic = await bootKernel({
      arch: 'x86_64', kernel: image, qemuBinary: fakeQemu('q37', [...banner, '[PANIC] out of frames'], 37),
    });
    assert.equal(panic.outcome, 'panic');
    assert.equal(panic.panic, 'out of frames');
    assert.match(panic.message, /kernel panicked: out of frames/);
  });

  it('never waits on a hung guest: timeout after the banner, no-banner before it', async () => {
    const hung = await bootKernel({
      arch: 'riscv64', kernel: image, timeoutMs: 800,
      qemuBinary: fakeQemu('hang1', ['OpenSBI', 'AUTON 0.1.0 riscv64', 'last words'], 'hang'),
    });
    assert.equal(hung.outcome, 'timeout');
    assert.equal(hung.exitCode, null);
    assert.match(hung.message, /kernel hung: .*last words/);
    const silent = await bootKernel({
      arch: 'riscv64', kernel: image, timeoutMs: 10_000, bannerTimeoutMs: 500,
      qemuBinary: fakeQemu('hang2', ['OpenSBI v1.1'], 'hang'),
    });
    assert.equal(silent.outcome, 'no-banner');
    assert.match(silent.message, /no "AUTON <version> riscv64" banner/);
  });

  it('stops a plain boot shortly after [BOOT] ready', async () => {
    const r = await bootKernel({
      arch: 'aarch64', kernel: image, stopAfterReadyMs: 50, timeoutMs: 10_000,
      qemuBinary: fakeQemu('ready', ['AUTON 0.1.0 aarch64', '[BOOT] ready'], 'hang'),
    });
    assert.equal(r.outcome, 'ready');
    assert.ok(r.readyMs !== undefined);
  });

  it('reports QEMU argument errors and missing images clearly', async () => {
    const bad = await bootKernel({
      arch: 'x86_64', kernel: image,
      qemuBinary: (() => {
        const p = join(dir, 'qerr');
        writeFileSync(p, "#!/bin/sh\necho 'qemu: could not load kernel' >&2\nexit 1\n");
        chmodSync(p, 0o755);
        return p;
      })(),
    });
    assert.equal(bad.outcome, 'qemu-error');
    assert.match(bad.message, /QEMU failed: qemu: could not load kernel/);
    const missing = await bootKernel({ arch: 'x86_64', kernel: join(dir, 'nope.bin'), qemuBinary: fakeQemu('q0', [], 0) });
    assert.equal(missing.outcome, 'qemu-error');
    assert.match(missing.message, /does not exist: build it first \(auton kernel build --arch x86_64\)/);
    const noQemu = await bootKernel({ arch: 'aarch64', kernel: image, qemuBinary: 'qemu-that-is-not-installed' });
    assert.equal(noQemu.outcome, 'qemu-error');
    assert.match(noQemu.message, /qemu-that-is-not-installed not found: install with `sudo apt-get install -y qemu-system-arm`/);
  });

  it('cancels a boot on request', async () => {
    const ac = new AbortController();
    const p = bootKernel({
      arch: 'x86_64', kernel: image, signal: ac.signal, timeoutMs: 20_000,
      qemuBinary: fakeQemu('hang3', ['AUTON 0.1.0 x86_64'], 'hang'),
    });
    setTimeout(() => ac.abort(), 100);
    assert.equal((await p).outcome, 'cancelled');
  });

  it('turns clang and nasm output into diagnostics with absolute paths', () => {
    const out = [
      'clang -std=c11 ... -c core/main.c -o build/x86_64/obj/core/main.c.o',
      "core/main.c:12:5: error: use of undeclared identifier 'foo'",
      'lib/printk.c:3:1: warning: unused function',
      'arch/x86_64/entry.asm:40: error: symbol `bar\' not defined',
      'make: *** [Makefile:52: build] Error 1',
    ].join('\n');
    const d = parseDiagnostics(out, '/repo/kernels');
    assert.equal(d.length, 3);
    assert.deepEqual(d[0], { file: '/repo/kernels/core/main.c', line: 12, column: 5, severity: 'error', message: "use of undeclared identifier 'foo'" });
    assert.equal(d[1]!.severity, 'warning');
    assert.equal(d[2]!.file, '/repo/kernels/arch/x86_64/entry.asm');
    assert.equal(d[2]!.line, 40);
  });

  it('names the Debian package for every missing tool', () => {
    const report = checkToolchain(['x86_64', 'riscv64'], ['build', 'boot', 'iso'], dir);
    assert.equal(report.ok, false);
    const names = report.missing.map((t) => t.name);
    for (const tool of ['clang', 'ld.lld', 'nasm', PROFILES.x86_64.qemu, PROFILES.riscv64.qemu, 'grub-mkrescue']) {
      assert.ok(names.includes(tool), `${tool} reported missing`);
    }
    assert.match(report.installCommand, /^sudo apt-get install -y --no-install-recommends .*\bqemu-system-misc\b/);
    assert.match(report.installCommand, /\blld\b/);
  });
});
