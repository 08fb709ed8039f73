/**
 * The device catalogue: every PCI device of pci.ids, joined with the drivers modules.alias binds
 * to its exact vendor:device id and with a user-facing category taken from where the driver
 * lives in the kernel tree (drivers/net/wireless -> "wireless card"). Also the PCI classes
 * and the class-wide drivers (NVMe, xHCI, AHCI ...).
 */
import { type ClassDriver, driversByClass, driversByDevice, type PciAlias } from './modulesAlias';
import type { PciIds } from './pciIds';

export interface Device {
  id: string; // "8086:100e"
  vendor: string; // full pci.ids vendor name
  vendorShort: string; // what people say: "Intel", "AMD/ATI"
  device: string; // full pci.ids device name
  deviceShort: string; // the marketing name in brackets when pci.ids has one
  drivers: string[]; // modules with an exact vendor:device alias, sorted
  category: string; // "network card", ... ("device" when no driver tells)
}

export interface ClassEntry {
  code: string; // "0c03"
  className: string;
  subclassName: string;
}

export interface ClassDriverEntry extends ClassDriver {
  className: string; // "Serial bus controller"
  subclassName: string; // "USB controller"
  progIfName: string | null; // "XHCI" when the alias names a prog-if pci.ids knows
  vendorShort: string | null; // "NVIDIA" for vendor-limited entries
}

export interface Catalogue {
  devices: Device[]; // sorted by id
  classes: ClassEntry[];
  classDrivers: ClassDriverEntry[];
}

/** Kernel tree folder of a driver -> the word a user would use for the hardware. */
const CATEGORIES: readonly [RegExp, string][] = [
  [/^kernel\/drivers\/net\/wireless\//, 'wireless card'],
  [/^kernel\/drivers\/net\/ethernet\//, 'network card'],
  [/^kernel\/drivers\/net\/can\//, 'CAN bus adapter'],
  [/^kernel\/drivers\/(net\/wan|isdn)\//, 'WAN adapter'],
  [/^kernel\/drivers\/net\//, 'network adapter'],
  [/^kernel\/drivers\/infiniband\//, 'InfiniBand adapter'],
  [/^kernel\/drivers\/(gpu|video)\//, 'graphics card'],
  [/^kernel\/sound\//, 'sound card'],
  [/^kernel\/drivers\/media\//, 'TV tuner card'],
  [/^kernel\/drivers\/(ata|scsi|nvme|message|block|md)\//, 'storage controller'],
  [/^kernel\/drivers\/usb\//, 'USB controller'],
  [/^kernel\/drivers\/i2c\//, 'SMBus controller'],
  [/^kernel\/drivers\/(mmc|memstick)\//, 'card reader'],
  [/^kernel\/drivers\/(tty|parport)\//, 'serial port card'],
  [/^kernel\/drivers\/(crypto|char\/hw_random)\//, 'crypto accelerator'],
  [/^kernel\/drivers\/comedi\//, 'data acquisition card'],
  [/^kernel\/drivers\/edac\//, 'memory controller'],
  [/^kernel\/drivers\/bluetooth\//, 'Bluetooth adapter'],
  [/^kernel\/drivers\/firewire\//, 'FireWire controller'],
  [/^kernel\/drivers\/input\//, 'game port'],
  [/^kernel\/drivers\/(watchdog)\//, 'watchdog'],
];

/** pci.ids entries that are warnings rather than hardware. */
const BOGUS = /wrong id|illegal|reserved|^unknown|\?/i;

const CORPORATE = /[ ,]+(Corporation|Corp\.?|Inc\.?|Incorporated|Co\.|Company|Ltd\.?|Limited|GmbH|AG|S\.A\.|LLC|Semiconductors?|Technologies|Technology|Electronics|Systems|International|and subsidiaries)\b.*$/i;

export function shortVendor(name: string): string {
  const bracket = /\[([^\]]+)\]\s*$/.exec(name);
  if (bracket) return (bracket[1] as string).trim();
  const short = name.replace(CORPORATE, '').trim();
  return short.length > 0 ? short : name;
}

export function shortDevice(name: string): string {
  const bracket = /\[([^\]]+)\]\s*$/.exec(name);
  return bracket ? (bracket[1] as string).trim() : name;
}

/** module name -> path relative to lib/modules/<release>/, from modules.order. */
export function modulePaths(modulesOrder: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of modulesOrder.split('\n')) {
    const path = line.trim();
    if (!path.endsWith('.ko')) continue;
    const name = path.slice(path.lastIndexOf('/') + 1, -3).replace(/-/g, '_');
    paths.set(name, path);
  }
  return paths;
}

function categoryOf(drivers: readonly string[], paths: ReadonlyMap<string, string>): string {
  for (const driver of drivers) {
    const path = paths.get(driver);
    if (path === undefined) continue;
    for (const [re, category] of CATEGORIES) if (re.test(path)) return category;
  }
  return 'device';
}

export function buildCatalogue(pci: PciIds, aliases: readonly PciAlias[], modulesOrder: string): Catalogue {
  const byDevice = driversByDevice(aliases);
  const paths = modulePaths(modulesOrder);
  const devices: Device[] = [];
  for (const vendor of pci.vendors.values()) {
    if (BOGUS.test(vendor.name)) continue;
    for (const [deviceId, deviceName] of vendor.devices) {
      if (BOGUS.test(deviceName)) continue;
      const id = `${vendor.id}:${deviceId}`;
      const drivers = [...new Set([...(byDevice.get(id) ?? []), ...(byDevice.get(vendor.id) ?? [])])].sort();
      devices.push({
        id, vendor: vendor.name, vendorShort: shortVendor(vendor.name), device: deviceName,
        deviceShort: shortDevice(deviceName), drivers, category: categoryOf(drivers, paths),
      });
    }
  }
  devices.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const classes: ClassEntry[] = [];
  for (const klass of pci.classes.values()) {
    for (const [sub, subName] of klass.subclasses) {
      classes.push({ code: klass.id + sub, className: klass.name, subclassName: subName });
    }
  }
  const classDrivers: ClassDriverEntry[] = [];
  for (const cd of driversByClass(aliases)) {
    const klass = pci.classes.get(cd.code.slice(0, 2));
    const sub = klass?.subclasses.get(cd.code.slice(2, 4));
    if (!klass || sub === undefined) continue;
    const progIf = cd.code.length === 6 ? klass.progIfs.get(cd.code.slice(2)) : undefined;
    const vendor = cd.vendor === null ? undefined : pci.vendors.get(cd.vendor);
    if (cd.vendor !== null && vendor === undefined) continue;
    classDrivers.push({
      ...cd, className: klass.name, subclassName: sub, progIfName: progIf ?? null,
      vendorShort: vendor === undefined ? null : shortVendor(vendor.name),
    });
  }
  return { devices, classes, classDrivers };
}
