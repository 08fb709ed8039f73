/**
 * Acceptance tests for the kernel boot issue: every arch builds, boots to
 * `[BOOT] ready`, passes its in-kernel KTAP suite, reports the memory QEMU
 * really gave it, survives other machine models and CPU counts, and turns
 * panics into exit status 37. Real clang, real QEMU.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Arch, ARCHES, artifactsFor, bootKernel, type BootOptions, buildKernel, testKernel } from '../../src/kernel';

const root = resolve(__dirname, '../..');

/** Machine variants beyond the defaults, per arch. */
const VARIANTS: Record<Arch, Partial<BootOptions>[]> = {
  x86_64: [{ machine: 'pc' }, { cpus: 4, cpu: 'max' }],
  aarch64: [
    { machine: 'virt,gic-version=3', cpu: 'cortex-a57' },
    { machine: 'virt,virtualization=on', cpu: 'cortex-a53', cpus: 2 },
    { machine: 'virt,gic-version=3,virtualization=on', cpu: 'max', cpus: 4 },
  ],
  riscv64: [{ cpus: 4 }, { cpus: 2, memory: '96M' }],
};

describe('kernel boots and tests itself (QEMU)', function () {
  this.timeout(240_000);

  for (const arch of ARCHES) {
    describe(arch, () => {
      const kernel = artifactsFor(root, arch).bin;

      before(async () => {
        const b = await buildKernel({ root, arch });
        assert.ok(b.ok, b.message + '\n' + b.output.slice(-3000));
        assert.deepEqual(b.diagnostics.filter((d) => d.severity !== 'note'), []);
      });

      it('boots to [BOOT] ready with the banner and the command line', async () => {
        const r = await bootKernel({ arch, kernel, cmdline: 'hello auton=1', stopAfterReadyMs: 200, timeoutMs: 60_000 });
        assert.equal(r.outcome, 'ready', r.message + '\n' + r.serial);
        assert.equal(r.banner, `AUTON 0.1.0 ${arch}`);
        const lines = r.serial.split(/\r?\n/);
        assert.ok(lines.includes('[BOOT] cmdline: hello auton=1'), r.serial);
        assert.ok(lines.some((l) => /^\[BOOT\] memory: \d+ MiB usable$/.test(l)), r.serial);
        assert.ok(lines.indexOf(`AUTON 0.1.0 ${arch}`) < lines.indexOf('[BOOT] ready'));
      });

      it('passes every in-kernel test (exit 33)', async () => {
        const r = await testKernel({ root, arch, noBuild: true });
        assert.ok(r.ok, r.message + '\n' + r.boot?.serial);
        assert.equal(r.boot?.exitCode, 33);
        assert.ok((r.ktap?.planned ?? 0) >= 20, `planned ${r.ktap?.planned}`);
        for (const name of ['printk_integers', 'timer_interrupts_arrive', 'trap_breakpoint_caught_and_resumed',
          'trap_fault_reported_and_recovered', 'fdt_rejects_corrupted_headers', 'bootinfo_live_boot_is_sane']) {
          assert.ok(r.ktap?.tests.some((t) => t.name === name && t.ok), `${name} ran and passed`);
        }
      });

      it('runs a subset with ktest=<prefix>', async () => {
        const r = await testKernel({ root, arch, noBuild: true, filter: 'printk' });
        assert.ok(r.ok, r.message);
        assert.ok(r.ktap!.tests.length >= 3);
        assert.ok(r.ktap!.tests.every((t) => t.name.startsWith('printk')));
      });

      for (const mib of [128, 1024, 3072]) {
        it(`reports the memory QEMU gives it (-m ${mib}M)`, async () => {
          const r = await bootKernel({ arch, kernel, memory: `${mib}M`, stopAfterReadyMs: 100, timeoutMs: 60_000 });
          assert.equal(r.outcome, 'ready', r.message);
          const m = /\[BOOT\] memory: (\d+) MiB usable/.exec(r.serial);
          assert.ok(m, r.serial);
          const got = Number(m[1]);
          // Firmware keeps a little for itself (BIOS areas, ACPI tables, OpenSBI).
          assert.ok(got <= mib && got >= mib - 4, `reported ${got} MiB for -m ${mib}M`);
        });
      }

      for (const variant of VARIANTS[arch]) {
        it(`passes its tests on ${JSON.stringify(variant)}`, async () => {
          const r = await testKernel({ root, arch, noBuild: true, ...variant });
          assert.ok(r.ok, r.message + '\n' + r.boot?.serial.slice(-3000));
        });
      }

      it('panics cleanly: [PANIC] and exit 37', async () => {
        const r = await bootKernel({ arch, kernel, cmdline: 'crash=panic', timeoutMs: 60_000 });
        assert.equal(r.outcome, 'panic', r.message + '\n' + r.serial);
        assert.equal(r.exitCode, 37);
        assert.match(r.panic ?? '', /crash requested on the command line \(panic\)/);
      });

      it('reports an unhandled fault with a diagnostic, then panics (exit 37)', async () => {
        const r = await bootKernel({ arch, kernel, cmdline: 'crash=fault', timeoutMs: 60_000 });
        assert.equal(r.outcome, 'panic', r.message + '\n' + r.serial);
        assert.equal(r.exitCode, 37);
        assert.match(r.serial, /^\[TRAP\] .*pc=0x[0-9a-f]+ .*addr=0x[0-9a-f]+/m);
        assert.match(r.panic ?? '', /unhandled exception/);
      });
    });
  }

  describe('x86_64 GRUB ISO (Multiboot2)', () => {
    it('boots from -cdrom and passes its tests', async () => {
      const b = await buildKernel({ root, arch: 'x86_64', target: 'iso', vars: { ISO_CMDLINE: 'ktest' } });
      assert.ok(b.ok, b.message + '\n' + b.output.slice(-2000));
      const iso = artifactsFor(root, 'x86_64').iso!;
      assert.ok(existsSync(iso));
      const r = await bootKernel({ arch: 'x86_64', iso, timeoutMs: 120_000 });
      assert.equal(r.outcome, 'tests-passed', r.message + '\n' + r.serial.slice(-3000));
      assert.match(r.serial, /\[BOOT\] protocol: multiboot2/);
    });
  });

  describe('a kernel that does not boot gets a clear result', () => {
    let dir: string;
    before(() => { dir = mkdtempSync(join(tmpdir(), 'auton-badkernel-')); });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('garbage image on riscv64: no banner, QEMU stopped', async () => {
      const junk = join(dir, 'junk.bin');
      writeFileSync(junk, Buffer.alloc(4096, 0));
      const r = await bootKernel({ arch: 'riscv64', kernel: junk, timeoutMs: 20_000, bannerTimeoutMs: 4_000 });
      assert.equal(r.outcome, 'no-banner', r.message);
      assert.equal(r.exitCode, null);
    });

    it('garbage image on x86_64: QEMU refuses it and says why', async () => {
      const junk = join(dir, 'junk-x86.bin');
      writeFileSync(junk, Buffer.alloc(4096, 0x90));
      const r = await bootKernel({ arch: 'x86_64', kernel: junk, timeoutMs: 20_000, bannerTimeoutMs: 4_000 });
      assert.ok(r.outcome === 'qemu-error' || r.outcome === 'no-banner', r.message);
      assert.ok(r.message.length > 10);
    });

    it('a kernel that never exits is stopped at the deadline', async () => {
      const r = await bootKernel({ arch: 'aarch64', kernel: artifactsFor(root, 'aarch64').bin, timeoutMs: 8_000 });
      assert.equal(r.outcome, 'timeout', r.message);
      assert.equal(r.ready, true);
      assert.match(r.message, /kernel hung/);
    });
  });
});
