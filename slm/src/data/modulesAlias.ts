/**
 * Linux's PCI driver match tables in depmod's `modules.alias` format:
 *   alias pci:v00008086d0000100Esv*sd*bc*sc*i* e1000
 * Each line says: the module (here e1000) binds to PCI functions whose ids match the pattern.
 * The corpus uses two kinds of entries: exact vendor+device entries (which driver serves a
 * given chip) and class entries with any vendor (which driver serves a whole device class,
 * e.g. NVMe or xHCI controllers).
 */

export interface PciAlias {
  module: string;
  vendor: string | null; // 4 lowercase hex digits, null for a wildcard
  device: string | null;
  subvendor: string | null;
  subdevice: string | null;
  baseClass: string | null; // 2 hex digits
  subClass: string | null;
  progIf: string | null;
}

const FIELD = '([0-9A-Fa-f]+|\\*)';
// The prog-if field always ends the pattern with a '*': "i*" (any) or "i30*".
const PCI_ALIAS = new RegExp(`^pci:v${FIELD}d${FIELD}sv${FIELD}sd${FIELD}bc${FIELD}sc${FIELD}i([0-9A-Fa-f]*)\\*$`);

/** "00008086" -> "8086", "*" -> null; anything else partial (e.g. "0C03*") is not used. */
function field(value: string, width: number): string | null | undefined {
  if (value === '*') return null;
  if (!/^[0-9A-Fa-f]+$/.test(value)) return undefined;
  return value.slice(-width).toLowerCase();
}

/** Reads the pci: lines of a modules.alias file; other buses and unusual globs are skipped. */
export function parseModulesAlias(text: string): PciAlias[] {
  const out: PciAlias[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('alias pci:')) continue;
    const parts = line.split(/\s+/);
    if (parts.length !== 3) continue;
    const m = PCI_ALIAS.exec(parts[1] as string);
    if (!m) continue;
    const fields = [field(m[1] as string, 4), field(m[2] as string, 4), field(m[3] as string, 4), field(m[4] as string, 4),
      field(m[5] as string, 2), field(m[6] as string, 2), field(m[7] || '*', 2)];
    if (fields.some((f) => f === undefined)) continue;
    const [vendor, device, subvendor, subdevice, baseClass, subClass, progIf] = fields as (string | null)[];
    out.push({
      module: parts[2] as string, vendor: vendor ?? null, device: device ?? null, subvendor: subvendor ?? null,
      subdevice: subdevice ?? null, baseClass: baseClass ?? null, subClass: subClass ?? null, progIf: progIf ?? null,
    });
  }
  return out;
}

/**
 * "vvvv:dddd" -> the modules with an exact vendor+device entry, and "vvvv" -> the modules that
 * take every device of a vendor whatever its class (virtio_pci for 1af4); sorted by name.
 */
export function driversByDevice(aliases: readonly PciAlias[]): Map<string, string[]> {
  const sets = new Map<string, Set<string>>();
  for (const a of aliases) {
    if (a.vendor === null) continue;
    const anyDevice = a.device === null;
    if (anyDevice && (a.subvendor !== null || a.subdevice !== null || a.baseClass !== null)) continue;
    const key = anyDevice ? a.vendor : `${a.vendor}:${a.device}`;
    let set = sets.get(key);
    if (!set) sets.set(key, (set = new Set()));
    set.add(a.module);
  }
  return new Map([...sets].map(([key, set]) => [key, [...set].sort()]));
}

export interface ClassDriver {
  vendor: string | null; // 4 hex digits when the entry is limited to one vendor
  code: string; // "0108" or "010802": base class + subclass [+ prog-if]
  modules: string[];
}

/** Drivers bound by class (any device, optionally of one vendor): "0c0330" -> [xhci_pci]. */
export function driversByClass(aliases: readonly PciAlias[]): ClassDriver[] {
  const sets = new Map<string, Set<string>>();
  for (const a of aliases) {
    if (a.device !== null || a.subvendor !== null || a.subdevice !== null) continue;
    if (a.baseClass === null || a.subClass === null) continue;
    const key = `${a.vendor ?? ''}/${a.baseClass}${a.subClass}${a.progIf ?? ''}`;
    let set = sets.get(key);
    if (!set) sets.set(key, (set = new Set()));
    set.add(a.module);
  }
  return [...sets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, set]) => {
    const [vendor, code] = key.split('/') as [string, string];
    return { vendor: vendor === '' ? null : vendor, code, modules: [...set].sort() };
  });
}
