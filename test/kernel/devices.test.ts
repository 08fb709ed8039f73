/**
 * Acceptance tests for device discovery and drivers: the kernel's `[HW]`
 * report must match what QEMU really attached (QMP's query-pci, CPU count,
 * memory) on x86 `pc` and `q35`, AArch64 and RISC-V `virt`, for several
 * device mixes (virtio-net + virtio-blk + e1000, e1000e, bridges with
 * devices behind them, multi-function devices, virtio-mmio); every NIC
 * reaches the user-network gateway by ARP; virtio-blk writes land in the
 * host's image file. Real clang, real QEMU.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type Arch, artifactsFor, bootKernel, type BootOptions, type BootResult, buildKernel, expectedPciDriver,
  formatPciFunction, parseHwReport, QmpClient, type QmpPciFunction, queryCpuCount, queryMemoryBytes, queryPci,
  testKernel,
} from '../../src/kernel';

const root = resolve(__dirname, '../..');
const SLIRP_GATEWAY_MAC = '52:55:0a:00:02:02';
const SECTOR = 512;

/** A test disk: sector 0 the magic, sectors 1..15 a pattern (tests/test_blk.c has the layout). */
function makeTestDisk(path: string, sectors: number): void {
  const d = Buffer.alloc(sectors * SECTOR);
  d.write('AUTON-TEST-DISK\n', 0, 'latin1');
  for (let s = 1; s < 16; s++) for (let j = 0; j < SECTOR; j++) d[s * SECTOR + j] = (s * 31 + j) & 0xff;
  writeFileSync(path, d);
}

/** What the kernel's blk tests must have written (sectors 16..31 and 64..263). */
function checkKernelWrites(path: string): string[] {
  const d = readFileSync(path);
  const bad: string[] = [];
  for (let s = 16; s < 32; s++) {
    const want = Buffer.alloc(SECTOR);
    for (let j = 0; j < SECTOR; j++) want[j] = (s * 7 + j) & 0xff;
    const text = Buffer.from(`AUTON-KWRITE ${s}\n\0`, 'latin1');
    text.copy(want);
    if (!d.subarray(s * SECTOR, (s + 1) * SECTOR).equals(want)) bad.push(`sector ${s}`);
  }
  for (let s = 64; s < 264; s++) {
    for (let j = 0; j < SECTOR; j++) {
      if (d[s * SECTOR + j] !== ((s + j * 3) & 0xff)) { bad.push(`sector ${s} byte ${j}`); break; }
    }
  }
  return bad;
}

interface Observed {
  boot: BootResult;
  qmpPci: QmpPciFunction[];
  qmpCpus: number;
  qmpMemoryMiB: number;
}

/**
 * Boots to `[BOOT] ready` with a QMP socket, asks QEMU what it attached
 * once the kernel printed its report, then stops the machine.
 */
async function bootAndAsk(o: BootOptions, dir: string): Promise<Observed> {
  const socket = join(dir, `qmp-${Date.now()}-${Math.random().toString(16).slice(2)}.sock`);
  const stop = new AbortController();
  let reportDone!: () => void;
  let bootReady!: () => void;
  const done = new Promise<void>((r) => { reportDone = r; });
  const ready = new Promise<void>((r) => { bootReady = r; });
  const boot = bootKernel({
    ...o, qmpSocket: socket, signal: stop.signal, timeoutMs: 120_000, bannerTimeoutMs: 30_000,
    onLine: (line) => {
      if (line.startsWith('[HW] done ')) reportDone();
      if (line === '[BOOT] ready') bootReady();
    },
  });
  void boot.then(() => { reportDone(); bootReady(); });
  let client: QmpClient | undefined;
  try {
    client = await QmpClient.connect(socket, 30_000);
    await done;
    const qmpPci = await queryPci(client);
    const qmpCpus = await queryCpuCount(client);
    const qmpMemoryMiB = (await queryMemoryBytes(client)) / (1 << 20);
    await ready;
    stop.abort();
    return { boot: await boot, qmpPci, qmpCpus, qmpMemoryMiB };
  } catch (error) {
    stop.abort();
    const b = await boot;
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${b.message}\n${b.serial.slice(-4000)}`);
  } finally {
    client?.close();
    stop.abort();
  }
}

/** The report against QMP, line for line, and the drivers, NICs, disks. */
function checkReport(
  obs: Observed,
  expect: { nics: number; disks: string[]; mmio?: string[]; drivers?: Record<string, string> },
): void {
  const { boot } = obs;
  const serial = boot.serial;
  assert.equal(boot.ready, true, `${boot.message}\n${serial.slice(-3000)}`);
  assert.equal(boot.panic, undefined, serial.slice(-3000));
  const r = parseHwReport(serial);
  assert.deepEqual(r.pci.map((p) => p.id), obs.qmpPci.map(formatPciFunction),
    `[HW] pci lines differ from QMP query-pci\n${serial}`);
  for (const p of r.pci) {
    const bdf = p.id.slice(0, 7);
    assert.equal(p.driver, expect.drivers?.[bdf] ?? expectedPciDriver(p.vendor, p.device), `driver of ${p.id}`);
  }
  assert.equal(r.cpus, obs.qmpCpus, '[HW] cpus vs query-cpus-fast');
  assert.ok(r.memoryMiB !== undefined && r.memoryMiB <= obs.qmpMemoryMiB && r.memoryMiB >= obs.qmpMemoryMiB - 4,
    `[HW] memory ${r.memoryMiB} MiB vs QEMU's ${obs.qmpMemoryMiB} MiB`);
  assert.deepEqual(r.mmio.map((m) => `${m.compatible} ${m.driver}`).sort(), [...(expect.mmio ?? [])].sort());
  assert.equal(r.done, r.pci.length + r.mmio.length, '[HW] done counts every reported device');
  assert.deepEqual(r.blk.map((b) => b.sectors).sort(), expect.disks.map((d) => statSync(d).size / SECTOR).sort());
  assert.equal(r.net.length, expect.nics, `NICs reported\n${serial}`);
  for (const n of r.net) {
    assert.match(n.mac, /^52:54:00:/);
    assert.equal(r.arp[n.name], SLIRP_GATEWAY_MAC, `ARP of 10.0.2.2 via ${n.name}\n${serial}`);
  }
  assert.deepEqual(r.arpFailed, []);
}

/** Extra devices: bridges with a device behind each, and a multi-function device. */
function bridgesAndMultifunction(pcie: boolean): string[] {
  const behind = pcie
    ? ['-device', 'pcie-root-port,id=rp1,chassis=1,slot=1', '-netdev', 'user,id=x0', '-device', 'virtio-net-pci,bus=rp1,netdev=x0']
    : [];
  return [
    ...behind,
    '-device', 'pci-bridge,id=br1,chassis_nr=2', '-netdev', 'user,id=x1', '-device', 'e1000,bus=br1,addr=3,netdev=x1',
    '-netdev', 'user,id=x2', '-device', 'e1000,addr=0x10.0,multifunction=on,netdev=x2',
    '-netdev', 'user,id=x3', '-device', 'virtio-net-pci,addr=0x10.1,netdev=x3',
  ];
}

/**
 * Devices the kernel has no driver for (USB, audio, SATA, NVMe, virtio-rng,
 * a GPU, a legacy-only virtio-blk it must refuse), a bridge behind a bridge
 * with an e1000 at the bottom: the report still matches QMP, and only the
 * e1000 and QEMU's default NIC get drivers.
 */
function devicesWithoutDrivers(disk: string, pcie: boolean): string[] {
  const common = [
    '-device', 'virtio-rng-pci', '-device', 'qemu-xhci',
    '-device', 'pci-bridge,id=deep1,chassis_nr=7', '-device', 'pci-bridge,id=deep2,chassis_nr=8,bus=deep1,addr=5',
    '-netdev', 'user,id=deepnet', '-device', 'e1000,bus=deep2,addr=7,netdev=deepnet',
    '-drive', `if=none,id=other0,file=${disk},format=raw,read-only=on`,
    '-device', 'virtio-blk-pci,disable-modern=on,disable-legacy=off,addr=0x1e,drive=other0',
  ];
  return pcie
    ? [...common, '-device', 'ich9-ahci', '-device', 'intel-hda']
    : [...common, '-device', 'piix3-usb-uhci', '-device', 'nvme,serial=auton,drive=other1',
      '-drive', `if=none,id=other1,file=${disk},format=raw,read-only=on`];
}

interface Machine {
  arch: Arch;
  name: string;
  opts: Partial<BootOptions>;
  pcie: boolean;
}

const MACHINES: Machine[] = [
  { arch: 'x86_64', name: 'x86_64 q35', opts: { machine: 'q35', cpus: 2 }, pcie: true },
  { arch: 'x86_64', name: 'x86_64 pc', opts: { machine: 'pc' }, pcie: false },
  { arch: 'aarch64', name: 'aarch64 virt', opts: {}, pcie: true },
  { arch: 'aarch64', name: 'aarch64 virt gicv3', opts: { machine: 'virt,gic-version=3', cpus: 2 }, pcie: true },
  { arch: 'riscv64', name: 'riscv64 virt', opts: { cpus: 2 }, pcie: true },
];

describe('device discovery and drivers (QEMU + QMP)', function () {
  this.timeout(300_000);
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auton-devices-'));
    for (const arch of ['x86_64', 'aarch64', 'riscv64'] as const) {
      const b = await buildKernel({ root, arch });
      assert.ok(b.ok, b.message + '\n' + b.output.slice(-3000));
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const m of MACHINES) {
    describe(m.name, () => {
      const kernel = () => artifactsFor(root, m.arch).bin;

      it('reports what QEMU attached by default', async () => {
        const obs = await bootAndAsk({ arch: m.arch, kernel: kernel(), ...m.opts }, dir);
        const nics = obs.qmpPci.filter((p) => p.classCode === 0x0200).length;
        checkReport(obs, { nics, disks: [] });
      });

      it('virtio-net + virtio-blk + e1000: report matches query-pci, ARP works on both NICs', async () => {
        const disk = join(dir, `${m.arch}-mixa.img`);
        makeTestDisk(disk, 4096);
        const obs = await bootAndAsk({
          arch: m.arch, kernel: kernel(), ...m.opts, nics: ['virtio', 'e1000'], disks: [disk],
        }, dir);
        checkReport(obs, { nics: 2, disks: [disk] });
      });

      it(`e1000e, ${m.pcie ? 'a root port and ' : ''}a PCI bridge with devices behind them, a multi-function device`, async () => {
        const disk = join(dir, `${m.arch}-mixb.img`);
        makeTestDisk(disk, 2048);
        const obs = await bootAndAsk({
          arch: m.arch, kernel: kernel(), ...m.opts, nics: ['e1000e'], disks: [disk],
          extraArgs: bridgesAndMultifunction(m.pcie),
        }, dir);
        checkReport(obs, { nics: m.pcie ? 5 : 4, disks: [disk] });
        const r = parseHwReport(obs.boot.serial);
        assert.ok(r.pci.some((p) => p.bus > 0), 'devices behind bridges are on buses above 0');
        assert.ok(r.pci.some((p) => p.fn === 1), 'the second function of the multi-function device is found');
      });

      it('devices it has no driver for, a legacy-only virtio device it refuses, a bridge behind a bridge', async () => {
        const disk = join(dir, `${m.arch}-others.img`);
        makeTestDisk(disk, 2048);
        const obs = await bootAndAsk({
          arch: m.arch, kernel: kernel(), ...m.opts, extraArgs: devicesWithoutDrivers(disk, m.pcie),
        }, dir);
        const defaultNics = obs.qmpPci.filter((p) => p.classCode === 0x0200).length;
        const legacyBlk = obs.qmpPci.find((p) => p.vendor === 0x1af4 && p.device === 0x1001);
        const drivers: Record<string, string> = {};
        assert.ok(legacyBlk, 'QEMU attached the legacy-only virtio-blk');
        drivers[formatPciFunction(legacyBlk).slice(0, 7)] = 'none';
        checkReport(obs, { nics: defaultNics, disks: [], drivers });
        const r = parseHwReport(obs.boot.serial);
        assert.ok(r.pci.some((p) => p.bus >= 2 && p.driver === 'e1000'), 'the e1000 two bridges down is found and driven');
        assert.match(obs.boot.serial, /driver virtio-blk refused it \(error -19\)/);
      });
    });
  }

  for (const arch of ['aarch64', 'riscv64'] as const) {
    it(`${arch} virt: virtio-mmio NIC and disks (legacy and virtio 1.x transports)`, async () => {
      const disks = [join(dir, `${arch}-mmio0.img`), join(dir, `${arch}-mmio1.img`)];
      makeTestDisk(disks[0]!, 2048);
      makeTestDisk(disks[1]!, 3000);
      for (const legacy of [true, false]) {
        const obs = await bootAndAsk({
          arch, kernel: artifactsFor(root, arch).bin, nics: ['virtio', 'e1000'], disks, virtioTransport: 'mmio',
          extraArgs: legacy ? [] : ['-global', 'virtio-mmio.force-legacy=false'],
        }, dir);
        checkReport(obs, { nics: 2, disks, mmio: ['virtio,mmio virtio-net', 'virtio,mmio virtio-blk', 'virtio,mmio virtio-blk'] });
      }
    });
  }

  const BLK_CASES: { arch: Arch; transport: 'pci' | 'mmio'; machine?: string }[] = [
    { arch: 'x86_64', transport: 'pci', machine: 'q35' },
    { arch: 'x86_64', transport: 'pci', machine: 'pc' },
    { arch: 'aarch64', transport: 'pci' },
    { arch: 'aarch64', transport: 'mmio' },
    { arch: 'riscv64', transport: 'pci' },
    { arch: 'riscv64', transport: 'mmio' },
  ];
  for (const c of BLK_CASES) {
    it(`${c.arch}${c.machine ? ` ${c.machine}` : ''}: virtio-blk (${c.transport}) reads the host's pattern, its writes land in the image`, async () => {
      const disk = join(dir, `${c.arch}-${c.machine ?? 'virt'}-${c.transport}-blk.img`);
      makeTestDisk(disk, 2048);
      const r = await testKernel({
        root, arch: c.arch, noBuild: true, filter: 'blk', disks: [disk], virtioTransport: c.transport,
        machine: c.machine,
      });
      assert.ok(r.ok, r.message + '\n' + r.boot?.serial.slice(-3000));
      for (const name of ['blk_reads_the_host_pattern', 'blk_writes_land_and_read_back', 'blk_refuses_transfers_past_the_end']) {
        const t = r.ktap?.tests.find((x) => x.name === name);
        assert.ok(t && t.ok && !t.skipped, `${name} ran and passed (not skipped)`);
      }
      assert.deepEqual(checkKernelWrites(disk), [], 'sectors the kernel wrote, read back from the host file');
    });
  }

  for (const arch of ['x86_64', 'aarch64', 'riscv64'] as const) {
    it(`${arch}: virtio-net, e1000 and e1000e each send and receive by interrupt (ktest net)`, async () => {
      const r = await testKernel({ root, arch, noBuild: true, filter: 'net', nics: ['virtio', 'e1000', 'e1000e'] });
      assert.ok(r.ok, r.message + '\n' + r.boot?.serial.slice(-3000));
      const t = r.ktap?.tests.find((x) => x.name === 'net_every_nic_arps_the_gateway');
      assert.ok(t && t.ok && !t.skipped, 'the ARP test ran on real NICs');
      const said = t.diagnostics.join('\n');
      for (const driver of ['virtio-net', 'e1000', 'e1000e']) {
        assert.match(said, new RegExp(`\\(${driver}\\): gateway is-at ${SLIRP_GATEWAY_MAC}, [1-9]\\d* interrupts`), said);
      }
    });
  }
});
