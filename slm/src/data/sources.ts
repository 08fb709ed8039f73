/**
 * Where the real data comes from: pci.ids (Debian package `pci.ids`, installed by
 * scripts/setup.sh) and modules.alias (from a Debian kernel package, fetched into a cache by
 * kernelPackage.ts, or a file the user names). Errors say what to install or pass.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { kernelTables } from './kernelPackage';

/** Where Debian and other distributions put pci.ids. */
export const PCI_IDS_PATHS = ['/usr/share/misc/pci.ids', '/usr/share/hwdata/pci.ids'];

export interface SourceFiles {
  pciIds: { path: string; text: string };
  modulesAlias: { path: string; text: string; origin: string; kernelPackage?: string }; // origin: "<package> <version>" or "file"
  modulesOrder: string; // "" when unavailable (device categories then fall back to "device")
}

export interface SourceOptions {
  pciIds?: string;
  modulesAlias?: string;
  kernelPackage?: string;
  cacheDir: string; // where kernel packages are unpacked (slm/.cache/kernel)
  log?: (line: string) => void;
}

export async function loadSources(options: SourceOptions): Promise<SourceFiles> {
  const pciPath = options.pciIds ?? PCI_IDS_PATHS.find((p) => existsSync(p));
  if (pciPath === undefined || !existsSync(pciPath)) {
    throw new Error(`no pci.ids ${options.pciIds ? `at ${options.pciIds}` : `in ${PCI_IDS_PATHS.join(' or ')}`}: install the Debian package "pci.ids" (scripts/setup.sh does) or pass --pci-ids FILE`);
  }
  const pciIds = { path: pciPath, text: readFileSync(pciPath, 'utf8') };

  if (options.modulesAlias !== undefined) {
    if (!existsSync(options.modulesAlias)) throw new Error(`--modules-alias ${options.modulesAlias}: no such file`);
    const order = join(dirname(options.modulesAlias), 'modules.order');
    return {
      pciIds,
      modulesAlias: { path: options.modulesAlias, text: readFileSync(options.modulesAlias, 'utf8'), origin: 'file' },
      modulesOrder: existsSync(order) ? readFileSync(order, 'utf8') : '',
    };
  }
  const tables = await kernelTables(options.cacheDir, options.kernelPackage, options.log);
  const aliasPath = join(tables.dir, 'modules.alias');
  return {
    pciIds,
    modulesAlias: { path: aliasPath, text: readFileSync(aliasPath, 'utf8'), origin: `${tables.packageName} ${tables.packageVersion}`, kernelPackage: tables.packageName },
    modulesOrder: readFileSync(join(tables.dir, 'modules.order'), 'utf8'),
  };
}
