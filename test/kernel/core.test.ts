/**
 * Acceptance tests for the kernel core (memory, scheduler, IPC): the whole
 * in-kernel suite at the smallest and a large RAM size and with several
 * CPUs, the memory boot lines, and stack overflow into a guard page.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ARCHES, artifactsFor, bootKernel, buildKernel, testKernel } from '../../src/kernel';

const root = resolve(__dirname, '../..');

describe('kernel core: memory, scheduler, IPC (QEMU)', function () {
  this.timeout(300_000);

  for (const arch of ARCHES) {
    describe(arch, () => {
      before(async () => {
        const b = await buildKernel({ root, arch });
        assert.ok(b.ok, b.message);
      });

      for (const [memory, cpus] of [['96M', 1], ['3G', 4]] as const) {
        it(`passes the full suite with -m ${memory} and ${cpus} CPU(s)`, async () => {
          const r = await testKernel({ root, arch, noBuild: true, memory, cpus });
          assert.ok(r.ok, r.message + '\n' + r.boot?.serial.slice(-3000));
          for (const prefix of ['pmm_', 'vmm_', 'slab_', 'sched_', 'ipc_']) {
            assert.ok(r.ktap!.tests.some((t) => t.name.startsWith(prefix)), `${prefix}* tests ran`);
          }
        });
      }

      it('reports the PMM, the SLM pool and the scheduler at boot', async () => {
        const r = await bootKernel({ arch, kernel: artifactsFor(root, arch).bin, memory: '512M', stopAfterReadyMs: 100, timeoutMs: 60_000 });
        assert.equal(r.outcome, 'ready', r.message);
        const pmm = /^\[MM\] pmm: (\d+) of (\d+) pages free$/m.exec(r.serial);
        assert.ok(pmm, r.serial);
        const [free, total] = [Number(pmm[1]), Number(pmm[2])];
        assert.ok(free <= total && total > 120_000 && total <= 131_072, `pmm ${free} of ${total}`);
        const pool = /^\[MM\] slm pool: (\d+) MiB/m.exec(r.serial);
        assert.ok(pool && Number(pool[1]) > 0, r.serial);
        assert.match(r.serial, /^\[SCHED\] /m);
      });

      it('a thread overflowing its stack hits the guard page: diagnostic and exit 37', async () => {
        const r = await bootKernel({ arch, kernel: artifactsFor(root, arch).bin, cmdline: 'crash=stack', timeoutMs: 60_000 });
        assert.equal(r.outcome, 'panic', r.message + '\n' + r.serial.slice(-2000));
        assert.equal(r.exitCode, 37);
        assert.match(r.serial, /stack overflow/i);
      });
    });
  }
});
