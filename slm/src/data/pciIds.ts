/**
 * Reader for the PCI ID database (`pci.ids`, Debian package `pci.ids`): vendor and device names
 * and the class/subclass/prog-if names. Subsystem lines are skipped: the corpus names chips.
 */

export interface PciVendor {
  id: string; // 4 lowercase hex digits
  name: string;
  devices: Map<string, string>; // device id -> device name
}

export interface PciClass {
  id: string; // 2 hex digits
  name: string;
  subclasses: Map<string, string>; // 2 hex digits -> name
  progIfs: Map<string, string>; // subclass + prog-if, 4 hex digits -> name
}

export interface PciIds {
  version: string; // the "Version:" line of the file header, or "unknown"
  vendors: Map<string, PciVendor>;
  classes: Map<string, PciClass>;
}

const HEX4 = /^[0-9a-f]{4}$/;
const HEX2 = /^[0-9a-f]{2}$/;

/** Parses pci.ids text; throws with a line number on a line it cannot read. */
export function parsePciIds(text: string): PciIds {
  const vendors = new Map<string, PciVendor>();
  const classes = new Map<string, PciClass>();
  let version = 'unknown';
  let vendor: PciVendor | undefined;
  let klass: PciClass | undefined;
  let subclass: string | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).replace(/\r$/, '');
    const versionLine = /^#\s*Version:\s*(\S+)/.exec(line);
    if (versionLine) version = versionLine[1] as string;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const bad = (): Error => new Error(`pci.ids line ${n + 1}: cannot read "${line.slice(0, 60)}"`);
    if (line.startsWith('C ')) {
      const m = /^C ([0-9a-f]{2})\s+(.+)$/.exec(line);
      if (!m) throw bad();
      klass = { id: m[1] as string, name: (m[2] as string).trim(), subclasses: new Map(), progIfs: new Map() };
      subclass = undefined;
      classes.set(klass.id, klass);
      vendor = undefined;
    } else if (!line.startsWith('\t')) {
      const m = /^([0-9a-f]{4})\s+(.+)$/.exec(line);
      if (!m) {
        // Other top-level lists (e.g. "ffff  Illegal Vendor ID" aside) end the vendor section.
        vendor = undefined;
        klass = undefined;
        continue;
      }
      vendor = { id: m[1] as string, name: (m[2] as string).trim(), devices: new Map() };
      vendors.set(vendor.id, vendor);
      klass = undefined;
    } else if (!line.startsWith('\t\t')) {
      const m = /^\t(\S+)\s+(.+)$/.exec(line);
      if (!m) throw bad();
      const id = m[1] as string;
      const name = (m[2] as string).trim();
      if (vendor && HEX4.test(id)) vendor.devices.set(id, name);
      else if (klass && HEX2.test(id)) {
        klass.subclasses.set(id, name);
        subclass = id;
      }
    } else if (klass && subclass !== undefined) {
      const m = /^\t\t([0-9a-f]{2})\s+(.+)$/.exec(line);
      if (!m) throw bad();
      klass.progIfs.set(subclass + (m[1] as string), (m[2] as string).trim());
    }
  }
  return { version, vendors, classes };
}
