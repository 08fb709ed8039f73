/**
 * The boot module in real QEMU on every arch: a file given with `-initrd` reaches portable
 * code whole (bootinfo.h boot_module). The kernel prints the module's size and CRC-32, which
 * must equal the host's; with `bootmodule=selfcheck` it also checks the file's trailing
 * CRC itself. Also FP/SIMD in threads (test_fpu.c) runs on each arch here.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { ARCHES, buildKernel, testKernel } from '../../src/kernel';

const root = resolve(__dirname, '../..');
const MODULE_LINE = /^boot module: (\d+) bytes, crc32 0x([0-9a-f]{8})/;

/** Random bytes (an odd size, a few MiB) followed by their little-endian CRC-32. */
function selfCheckingModule(bytes: number): Buffer {
  const data = randomBytes(bytes);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(crc32(data));
  return Buffer.concat([data, tail]);
}

describe('boot module and FPU (QEMU)', function () {
  this.timeout(300_000);
  let dir: string;
  let modulePath: string;
  let module: Buffer;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'auton-bootmodule-'));
    module = selfCheckingModule(3 * 1024 * 1024 + 123);
    modulePath = join(dir, 'module.bin');
    writeFileSync(modulePath, module);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const arch of ARCHES) {
    describe(arch, () => {
      before(async () => {
        const b = await buildKernel({ root, arch });
        assert.ok(b.ok, b.message);
      });

      it('hands a 3 MiB -initrd to portable code byte for byte, its frames reserved', async () => {
        const r = await testKernel({ root, arch, noBuild: true, filter: 'boot_module', cmdline: 'bootmodule=selfcheck', initrd: modulePath });
        assert.ok(r.ok, r.message + '\n' + r.boot?.serial.slice(-3000));
        const crcTest = r.ktap!.tests.find((t) => t.name === 'boot_module_crc32');
        assert.ok(crcTest && !crcTest.skipped, 'boot_module_crc32 ran');
        const line = crcTest.diagnostics.map((d) => MODULE_LINE.exec(d)).find(Boolean);
        assert.ok(line, crcTest.diagnostics.join('\n'));
        assert.equal(Number(line[1]), module.length);
        assert.equal(parseInt(line[2]!, 16), crc32(module));
        assert.ok(r.ktap!.tests.some((t) => t.name === 'boot_module_is_reserved_and_mapped' && t.ok && !t.skipped));
      });

      it('without -initrd there is no module and the module tests skip', async () => {
        const r = await testKernel({ root, arch, noBuild: true, filter: 'boot_module' });
        assert.ok(r.ok, r.message);
        assert.equal(r.ktap!.skipped, 2, r.boot?.serial.slice(-2000));
      });

      it('a module whose trailing CRC does not match fails the self-check', async () => {
        const bad = Buffer.from(module);
        bad[1000] = bad[1000]! ^ 0x01;
        const badPath = join(dir, `bad-${arch}.bin`);
        writeFileSync(badPath, bad);
        const r = await testKernel({ root, arch, noBuild: true, filter: 'boot_module_crc32', cmdline: 'bootmodule=selfcheck', initrd: badPath });
        assert.equal(r.ok, false, r.message);
        assert.deepEqual(r.ktap!.tests.filter((t) => !t.ok).map((t) => t.name), ['boot_module_crc32']);
      });

      it('FP/SIMD state stays exact across interrupts, yields and preemption', async () => {
        const r = await testKernel({ root, arch, noBuild: true, filter: 'fpu_' });
        assert.ok(r.ok, r.message + '\n' + r.boot?.serial.slice(-3000));
        assert.equal(r.ktap!.passed, 4);
      });
    });
  }
});
