/**
 * The `.modinfo` section of a Linux kernel module (an ELF64 relocatable object): NUL-separated
 * "key=value" strings, among them the "alias=pci:v...d..." lines depmod turns into
 * modules.alias.
 */

/** The key=value strings of a module's .modinfo section; throws if the file is not ELF64 LE. */
export function readModinfo(elf: Buffer): string[] {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  if (elf[4] !== 2 || elf[5] !== 1) throw new Error('not a little-endian ELF64 file');
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const shstrndx = elf.readUInt16LE(0x3e);
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    return { name: elf.readUInt32LE(at), offset: Number(elf.readBigUInt64LE(at + 24)), size: Number(elf.readBigUInt64LE(at + 32)) };
  };
  const names = section(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const nameStart = names.offset + s.name;
    const nameEnd = elf.indexOf(0, nameStart);
    if (elf.toString('latin1', nameStart, nameEnd) !== '.modinfo') continue;
    return elf.toString('utf8', s.offset, s.offset + s.size).split('\0').filter((entry) => entry.length > 0);
  }
  return [];
}

/** depmod's module name: the file name without .ko, dashes as underscores. */
export function moduleName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1).replace(/\.ko$/, '');
  return base.replace(/-/g, '_');
}
