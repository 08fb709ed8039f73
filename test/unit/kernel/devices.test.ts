import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedPciDriver, parseHwReport } from '../../../src/kernel/hwreport';
import { formatPciFunction, QmpClient, queryCpuCount, queryPci } from '../../../src/kernel/qmp';
import { deviceArgs, qemuArgs } from '../../../src/kernel/qemu';

describe('kernel devices on the host side (no QEMU)', () => {
  it('turns NICs and disks into QEMU arguments per transport', () => {
    const pci = deviceArgs({ arch: 'x86_64', nics: ['virtio', 'e1000', 'e1000e'], disks: ['/d/a.img'] }).join(' ');
    assert.equal(pci, [
      '-netdev user,id=net0 -device virtio-net-pci,netdev=net0',
      '-netdev user,id=net1 -device e1000,netdev=net1',
      '-netdev user,id=net2 -device e1000e,netdev=net2',
      '-drive file=/d/a.img,format=raw,if=none,id=disk0 -device virtio-blk-pci,drive=disk0',
    ].join(' '));
    const mmio = deviceArgs({ arch: 'riscv64', nics: ['virtio'], disks: ['x.img'], virtioTransport: 'mmio' }).join(' ');
    assert.match(mmio, /-device virtio-net-device,netdev=net0/);
    assert.match(mmio, /-device virtio-blk-device,drive=disk0/);
    assert.deepEqual(deviceArgs({ arch: 'aarch64', nics: [] }), ['-nic', 'none']);
    assert.deepEqual(deviceArgs({ arch: 'aarch64' }), []);
    assert.throws(() => deviceArgs({ arch: 'x86_64', disks: ['a.img'], virtioTransport: 'mmio' }), /virtio-mmio devices need a device-tree machine/);
    assert.throws(() => deviceArgs({ arch: 'x86_64', disks: ['a,b.img'] }), /contains a comma/);
    const all = qemuArgs({ arch: 'aarch64', kernel: 'k', nics: ['e1000'], qmpSocket: '/tmp/q.sock', extraArgs: ['-x'] });
    assert.deepEqual(all.slice(-7), ['-netdev', 'user,id=net0', '-device', 'e1000,netdev=net0', '-qmp', 'unix:/tmp/q.sock,server=on,wait=off', '-x']);
  });

  it('parses the [HW] report and the ARP lines', () => {
    const serial = [
      'AUTON 0.1.0 riscv64', '[HW] cpus 2', '[HW] memory 255 MiB',
      '[HW] pci 00:00.0 1b36:0008 class 06:00 driver none',
      '[HW] pci 01:00.0 1af4:1041 class 02:00 driver virtio-net',
      '[HW] mmio virtio,mmio @ 0x10008000 driver virtio-blk',
      '[HW] blk vda 2048 sectors',
      '[HW] net eth0 mac 52:54:00:12:34:56 driver virtio-net',
      '[HW] net eth1 mac 52:54:00:12:34:57 driver e1000',
      '[HW] done 3 devices',
      '[NET] arp 10.0.2.2 is-at 52:55:0a:00:02:02 via eth0',
      '[NET] arp 10.0.2.2 no reply via eth1 (sent 30, received 0 frames)',
    ].join('\r\n');
    const r = parseHwReport(serial);
    assert.equal(r.cpus, 2);
    assert.equal(r.memoryMiB, 255);
    assert.deepEqual(r.pci.map((p) => p.id), ['00:00.0 1b36:0008 class 06:00', '01:00.0 1af4:1041 class 02:00']);
    assert.equal(r.pci[1]!.bus, 1);
    assert.deepEqual(r.mmio, [{ compatible: 'virtio,mmio', address: 0x10008000, driver: 'virtio-blk' }]);
    assert.deepEqual(r.blk, [{ name: 'vda', sectors: 2048 }]);
    assert.equal(r.net.length, 2);
    assert.deepEqual(r.arp, { eth0: '52:55:0a:00:02:02' });
    assert.deepEqual(r.arpFailed, ['eth1']);
    assert.equal(r.done, 3);
    assert.equal(expectedPciDriver(0x8086, 0x10d3), 'e1000e');
    assert.equal(expectedPciDriver(0x1234, 0x1111), 'none');
  });

  describe('QMP client against a scripted server', () => {
    let dir: string;
    let server: Server;
    const seen: string[] = [];
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'auton-qmp-'));
      server = createServer((c) => {
        c.write('{"QMP": {"version": {}, "capabilities": []}}\r\n');
        let buf = '';
        c.on('data', (d) => {
          buf += d.toString();
          for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
            const msg = JSON.parse(buf.slice(0, nl)) as { execute: string; id: number };
            buf = buf.slice(nl + 1);
            seen.push(msg.execute);
            c.write('{"event": "RESUME", "data": {}}\r\n');
            const reply = msg.execute === 'query-pci'
              ? [{ bus: 0, devices: [
                { bus: 0, slot: 2, function: 0, class_info: { class: 0x0604 }, id: { vendor: 0x1b36, device: 1 }, qdev_id: 'br',
                  pci_bridge: { devices: [{ bus: 1, slot: 3, function: 0, class_info: { class: 0x0200 }, id: { vendor: 0x8086, device: 0x100e }, qdev_id: '' }] } },
                { bus: 0, slot: 0, function: 0, class_info: { class: 0x0600 }, id: { vendor: 0x8086, device: 0x29c0 }, qdev_id: '' },
              ] }]
              : msg.execute === 'query-cpus-fast' ? [{}, {}]
                : msg.execute === 'qmp_capabilities' ? {} : undefined;
            c.write(reply === undefined
              ? `{"error": {"class": "CommandNotFound", "desc": "The command ${msg.execute} has not been found"}, "id": ${msg.id}}\r\n`
              : `${JSON.stringify({ return: reply, id: msg.id })}\r\n`);
          }
        });
      });
      await new Promise<void>((r) => server.listen(join(dir, 'qmp.sock'), r));
    });
    after(() => { server.close(); rmSync(dir, { recursive: true, force: true }); });

    it('negotiates, runs commands, flattens query-pci through bridges, reports errors', async () => {
      const qmp = await QmpClient.connect(join(dir, 'qmp.sock'), 2000);
      try {
        const pci = await queryPci(qmp);
        assert.deepEqual(pci.map(formatPciFunction), [
          '00:00.0 8086:29c0 class 06:00', '00:02.0 1b36:0001 class 06:04', '01:03.0 8086:100e class 02:00',
        ]);
        assert.equal(await queryCpuCount(qmp), 2);
        await assert.rejects(qmp.execute('nope'), /CommandNotFound: The command nope has not been found/);
        assert.deepEqual(seen.slice(0, 2), ['qmp_capabilities', 'query-pci']);
      } finally {
        qmp.close();
      }
      await assert.rejects(qmp.execute('query-pci'), /closed/);
    });

    it('gives up on a socket nobody serves, saying where it looked', async () => {
      await assert.rejects(QmpClient.connect(join(dir, 'none.sock'), 300), /no QMP server at .*none\.sock within 300 ms/);
    });
  });
});
