/**
 * Small inputs in the real formats (pci.ids, modules.alias, modules.order, an ELF .ko) for the
 * data tests, so they run without the Debian packages.
 */

const VENDORS: [string, string, string][] = [
  ['8086', 'Intel Corporation', 'Ethernet Controller'],
  ['10ec', 'Realtek Semiconductor Co., Ltd.', 'Gigabit Ethernet'],
  ['1002', 'Advanced Micro Devices, Inc. [AMD/ATI]', 'Radeon'],
  ['14e4', 'Broadcom Inc. and subsidiaries', 'Wireless Network Adapter'],
  ['1102', 'Creative Labs', 'Sound Blaster'],
];

/** Vendors with 30 devices each; the first one is 8086:100e, the 82540EM. */
export function fixturePciIds(): string {
  const lines = ['#', '#\tList of PCI ID\'s', '#', '#\tVersion: 2099.01.01', '#', ''];
  for (const [vid, name, family] of VENDORS) {
    lines.push(`${vid}  ${name}`);
    for (let d = 0; d < 30; d++) {
      const did = vid === '8086' && d === 0 ? '100e' : (0x2000 + d * 7).toString(16);
      const device = vid === '8086' && d === 0 ? '82540EM Gigabit Ethernet Controller' : `${family} ${d}${d % 5 === 0 ? ` [Model ${d}X]` : ''}`;
      lines.push(`\t${did}  ${device}`);
      if (d % 9 === 0) lines.push(`\t\t1028 0${d}11  Subsystem board ${d}`);
    }
  }
  lines.push('# List of known device classes, subclasses and programming interfaces', '');
  lines.push('C 01  Mass storage controller', '\t06  SATA controller', '\t\t01  AHCI 1.0', '\t08  Non-Volatile memory controller', '\t\t02  NVM Express');
  lines.push('C 02  Network controller', '\t00  Ethernet controller', '\t80  Network controller');
  lines.push('C 03  Display controller', '\t00  VGA compatible controller', '\t\t00  VGA controller');
  lines.push('C 04  Multimedia controller', '\t01  Multimedia audio controller', '\t03  Audio device');
  lines.push('C 0c  Serial bus controller', '\t03  USB controller', '\t\t30  XHCI', '\t05  SMBus');
  return lines.join('\n') + '\n';
}

const MODULES: Record<string, string> = {
  '8086': 'kernel/drivers/net/ethernet/intel/e1000/e1000.ko',
  '10ec': 'kernel/drivers/net/ethernet/realtek/r8169.ko',
  '1002': 'kernel/drivers/gpu/drm/radeon/radeon.ko',
  '14e4': 'kernel/drivers/net/wireless/broadcom/b43/b43.ko',
  '1102': 'kernel/sound/pci/emu10k1/snd-emu10k1.ko',
};

/** Two thirds of the devices get an exact alias; plus class and vendor+class aliases. */
export function fixtureModulesAlias(): string {
  const lines = ['# Aliases extracted from modules themselves.'];
  for (const [vid] of VENDORS) {
    const module = (MODULES[vid] as string).replace(/.*\//, '').replace('.ko', '').replace(/-/g, '_');
    for (let d = 0; d < 30; d++) {
      if (d % 3 === 2) continue;
      const did = vid === '8086' && d === 0 ? '100e' : (0x2000 + d * 7).toString(16);
      lines.push(`alias pci:v0000${vid.toUpperCase()}d0000${did.toUpperCase()}sv*sd*bc*sc*i* ${module}`);
    }
  }
  lines.push('alias pci:v*d*sv*sd*bc01sc08i02* nvme', 'alias pci:v*d*sv*sd*bc0Csc03i30* xhci_pci', 'alias pci:v*d*sv*sd*bc01sc06i01* ahci');
  lines.push('alias pci:v00001002d*sv*sd*bc03sc00i00* amdgpu', 'alias pci:v00001002d*sv*sd*bc04sc03i00* snd_hda_intel');
  lines.push('alias usb:v1D6Bp0002d*dc*dsc*dp*ic*isc*ip*in* not_pci', 'alias acpi*:PNP0501:* serial_pnp');
  return lines.join('\n') + '\n';
}

export function fixtureModulesOrder(): string {
  return [...Object.values(MODULES), 'kernel/drivers/nvme/host/nvme.ko', 'kernel/drivers/usb/host/xhci-pci.ko'].join('\n') + '\n';
}

/** A minimal ELF64 relocatable object with a .modinfo section holding `entries`. */
export function fixtureKernelModule(entries: string[]): Buffer {
  const modinfo = Buffer.from(entries.map((e) => `${e}\0`).join(''), 'utf8');
  const shstrtab = Buffer.from('\0.modinfo\0.shstrtab\0', 'latin1');
  const header = Buffer.alloc(64);
  header.writeUInt32BE(0x7f454c46, 0);
  header[4] = 2; // ELFCLASS64
  header[5] = 1; // little-endian
  header[6] = 1;
  header.writeUInt16LE(1, 16); // ET_REL
  header.writeUInt16LE(62, 18); // x86-64
  header.writeUInt32LE(1, 20);
  const modinfoOffset = 64;
  const shstrtabOffset = modinfoOffset + modinfo.length;
  const shoff = Math.ceil((shstrtabOffset + shstrtab.length) / 8) * 8;
  header.writeBigUInt64LE(BigInt(shoff), 0x28);
  header.writeUInt16LE(64, 0x34);
  header.writeUInt16LE(64, 0x3a);
  header.writeUInt16LE(3, 0x3c);
  header.writeUInt16LE(2, 0x3e);
  const section = (name: number, type: number, offset: number, size: number) => {
    const s = Buffer.alloc(64);
    s.writeUInt32LE(name, 0);
    s.writeUInt32LE(type, 4);
    s.writeBigUInt64LE(BigInt(offset), 24);
    s.writeBigUInt64LE(BigInt(size), 32);
    return s;
  };
  const pad = Buffer.alloc(shoff - (shstrtabOffset + shstrtab.length));
  return Buffer.concat([
    header, modinfo, shstrtab, pad,
    section(0, 0, 0, 0), section(1, 1, modinfoOffset, modinfo.length), section(10, 3, shstrtabOffset, shstrtab.length),
  ]);
}
