/**
 * Entity pools per split. Every entity (a PCI device, a vendor, a class, an app, a service ...)
 * is assigned to exactly one of train, validation and test by a seeded shuffle, so no device or
 * catalogue entry is seen in training and then asked about in evaluation. The paraphrase set
 * draws from the test pools.
 */
import type { Catalogue, ClassDriverEntry, Device } from './devices';
import { APPS, HOSTNAMES, LAYOUTS, LOCALES, SERVICES, TIME_ZONES, USERS } from './entities';
import type { EntityKind, Slots } from './frames';
import type { PciIds } from './pciIds';
import { hash32, Rng } from './random';

export type Split = 'train' | 'validation' | 'test';
export const SPLITS: readonly Split[] = ['train', 'validation', 'test'];

/** One entity: a key that is unique within its kind, its slots, and the PCI id if a device. */
export interface Entity {
  key: string;
  slots: Slots;
  device?: string;
}

export type Pools = Record<Exclude<EntityKind, 'none'>, Record<Split, Entity[]>>;

/** Shares of each split, for entities and templates alike. */
export const HOLDOUT = { validation: 0.1, test: 0.1 } as const;

/** Devices whose names would make requests and answers unwieldy stay out of the corpus. */
const MAX_DEVICE_TEXT = 80;

function deviceEntity(d: Device): Entity {
  const [vid, did] = d.id.split(':') as [string, string];
  const name = d.deviceShort.toLowerCase().startsWith(d.vendorShort.toLowerCase()) ? d.deviceShort : `${d.vendorShort} ${d.deviceShort}`;
  return {
    key: d.id,
    device: d.id,
    slots: {
      id: d.id, lspci: `[${d.id}]`, vid, did, vidhex: `0x${vid}`, didhex: `0x${did}`,
      vendor: d.vendor, vendorShort: d.vendorShort, device: d.device, deviceShort: d.deviceShort, name,
      category: d.category, drivers: d.drivers.join(' or '), driver: d.drivers[0] ?? '',
    },
  };
}

function classDriverEntity(c: ClassDriverEntry): Entity {
  const phrase = c.progIfName === null ? c.subclassName : `${c.subclassName} (${c.progIfName})`;
  return {
    key: `${c.vendor ?? '*'}/${c.code}`,
    slots: {
      code: c.code, drivers: c.modules.join(' or '),
      classDevice: c.vendorShort === null ? phrase : `${c.vendorShort} ${phrase}`,
      classOwner: c.vendorShort === null ? '' : `${c.vendorShort} `,
    },
  };
}

/** Seeded split of a list of entities: ~10% test, ~10% validation (at least one each if >= 3). */
export function splitEntities(kind: string, entities: readonly Entity[], seed: number): Record<Split, Entity[]> {
  const sorted = [...entities].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const shuffled = new Rng(seed ^ hash32(`entities:${kind}`)).shuffle(sorted);
  const n = shuffled.length;
  const share = (f: number) => (n >= 3 ? Math.max(1, Math.round(n * f)) : 0);
  const test = share(HOLDOUT.test);
  const validation = share(HOLDOUT.validation);
  return {
    test: shuffled.slice(0, test),
    validation: shuffled.slice(test, test + validation),
    train: shuffled.slice(test + validation),
  };
}

export function buildPools(pci: PciIds, catalogue: Catalogue, seed: number): Pools {
  const devices = catalogue.devices.filter((d) => d.vendor.length + d.device.length <= MAX_DEVICE_TEXT);
  // One split per device id, shared by every device pool.
  const deviceSplit = splitEntities('device', devices.map(deviceEntity), seed);
  const within = (keep: (e: Entity) => boolean): Record<Split, Entity[]> => ({
    train: deviceSplit.train.filter(keep), validation: deviceSplit.validation.filter(keep), test: deviceSplit.test.filter(keep),
  });
  const vendors: Entity[] = [...pci.vendors.values()]
    .filter((v) => v.devices.size > 0 && !/wrong id|illegal/i.test(v.name))
    .map((v) => ({ key: v.id, slots: { vid: v.id, vidhex: `0x${v.id}`, vendor: v.name } }));
  const classes: Entity[] = catalogue.classes.map((c) => ({
    key: c.code, slots: { code: c.code, codehex: `0x${c.code}`, className: c.className, subclassName: c.subclassName },
  }));
  const split = (kind: string, entities: Entity[]) => splitEntities(kind, entities, seed);
  return {
    device: deviceSplit,
    driverDevice: within((e) => e.slots.driver !== ''),
    categoryDevice: within((e) => e.slots.driver !== '' && e.slots.category !== 'device'),
    vendor: split('vendor', vendors),
    pciClass: split('pciClass', classes),
    classDriver: split('classDriver', catalogue.classDrivers.map(classDriverEntity)),
    app: split('app', APPS.map((a) => ({ key: a.pkg, slots: { app: a.name, pkg: a.pkg, kind: a.kind } }))),
    service: split('service', SERVICES.map((s) => ({ key: s.unit, slots: { service: s.name, unit: s.unit } }))),
    user: split('user', USERS.map((u) => ({ key: u, slots: { user: u } }))),
    timezone: split('timezone', TIME_ZONES.map((t) => ({ key: t.zone, slots: { place: t.place, zone: t.zone } }))),
    locale: split('locale', LOCALES.map((l) => ({ key: l.locale, slots: { language: l.language, locale: l.locale } }))),
    layout: split('layout', LAYOUTS.map((l) => ({ key: l.code, slots: { keyboard: l.name, keymap: l.code } }))),
    hostname: split('hostname', HOSTNAMES.map((h) => ({ key: h, slots: { host: h } }))),
  };
}
