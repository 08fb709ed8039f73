/**
 * The kernel's hardware report on serial (kernel_spec/dev.md): the `[HW]`
 * lines device discovery prints at boot and the `[NET]` ARP results, parsed
 * into data the CLI and the tests compare with what QEMU attached.
 */

export interface HwPciLine {
  /** "bb:dd.f vvvv:dddd class cc:ss" (the part QMP can confirm). */
  id: string;
  bus: number;
  slot: number;
  fn: number;
  vendor: number;
  device: number;
  driver: string;
}

export interface HwReport {
  cpus?: number;
  memoryMiB?: number;
  pci: HwPciLine[];
  mmio: { compatible: string; address: number; driver: string }[];
  blk: { name: string; sectors: number }[];
  net: { name: string; mac: string; driver: string }[];
  /** Gateway answers: interface name -> MAC. */
  arp: Record<string, string>;
  /** Interfaces whose gateway did not answer. */
  arpFailed: string[];
  /** `[HW] done <k> devices`; undefined when the report never finished. */
  done?: number;
}

const PCI = /^\[HW\] pci ([0-9a-f]{2}):([0-9a-f]{2})\.([0-7]) ([0-9a-f]{4}):([0-9a-f]{4}) class ([0-9a-f]{2}):([0-9a-f]{2}) driver (\S+)$/;
const MMIO = /^\[HW\] mmio (\S+) @ 0x([0-9a-f]+) driver (\S+)$/;
const BLK = /^\[HW\] blk (\S+) (\d+) sectors$/;
const NET = /^\[HW\] net (\S+) mac ((?:[0-9a-f]{2}:){5}[0-9a-f]{2}) driver (\S+)$/;
const ARP = /^\[NET\] arp 10\.0\.2\.2 is-at ((?:[0-9a-f]{2}:){5}[0-9a-f]{2}) via (\S+)$/;
const ARP_FAIL = /^\[NET\] arp 10\.0\.2\.2 no reply via (\S+)/;

export function parseHwReport(serial: string): HwReport {
  const r: HwReport = { pci: [], mmio: [], blk: [], net: [], arp: {}, arpFailed: [] };
  for (const raw of serial.split('\n')) {
    const line = raw.replace(/\r$/, '');
    let m: RegExpExecArray | null;
    if ((m = /^\[HW\] cpus (\d+)$/.exec(line))) r.cpus = Number(m[1]);
    else if ((m = /^\[HW\] memory (\d+) MiB$/.exec(line))) r.memoryMiB = Number(m[1]);
    else if ((m = PCI.exec(line))) {
      const [, bus = '', slot = '', fn = '', vendor = '', device = '', cls = '', sub = '', driver = ''] = m;
      r.pci.push({
        id: `${bus}:${slot}.${fn} ${vendor}:${device} class ${cls}:${sub}`,
        bus: parseInt(bus, 16), slot: parseInt(slot, 16), fn: Number(fn),
        vendor: parseInt(vendor, 16), device: parseInt(device, 16), driver,
      });
    } else if ((m = MMIO.exec(line))) r.mmio.push({ compatible: m[1]!, address: parseInt(m[2]!, 16), driver: m[3]! });
    else if ((m = BLK.exec(line))) r.blk.push({ name: m[1]!, sectors: Number(m[2]) });
    else if ((m = NET.exec(line))) r.net.push({ name: m[1]!, mac: m[2]!, driver: m[3]! });
    else if ((m = ARP.exec(line))) r.arp[m[2]!] = m[1]!;
    else if ((m = ARP_FAIL.exec(line))) r.arpFailed.push(m[1]!);
    else if ((m = /^\[HW\] done (\d+) devices$/.exec(line))) r.done = Number(m[1]);
  }
  return r;
}

/** The driver the kernel binds to a PCI id (what the report must say), or "none". */
export function expectedPciDriver(vendor: number, device: number): string {
  if (vendor === 0x1af4 && (device === 0x1000 || device === 0x1041)) return 'virtio-net';
  if (vendor === 0x1af4 && (device === 0x1001 || device === 0x1042)) return 'virtio-blk';
  if (vendor === 0x8086 && device === 0x100e) return 'e1000';
  if (vendor === 0x8086 && device === 0x10d3) return 'e1000e';
  return 'none';
}
