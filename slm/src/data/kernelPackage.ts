/**
 * Linux's driver match tables from a Debian kernel package. The package ships the modules but
 * not modules.alias (depmod writes it at install time), so this reads each module's .modinfo
 * straight from `dpkg-deb --fsys-tarfile` and writes modules.alias the way depmod would, into a
 * cache folder (gitignored). Needs apt-get and dpkg-deb (any Debian or Ubuntu machine).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { moduleName, readModinfo } from './elfModinfo';
import { readTar } from './tar';

export interface KernelTables {
  packageName: string;
  packageVersion: string;
  release: string; // e.g. 6.1.0-54-amd64
  dir: string; // holds modules.alias and modules.order
}

const IMAGE = /^linux-image-(\d+)\.(\d+)\.(\d+)-(\d+)-amd64-unsigned$/;

function run(command: string, args: string[], cwd?: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.error) {
    throw new Error(`${command} is not available (${result.error.message}); the SLM data builder needs Debian's apt-get and dpkg-deb, or pass --modules-alias FILE`);
  }
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' / ')}`);
  }
  return result.stdout;
}

/** The newest generic amd64 kernel image apt knows about (linux-image-X.Y.Z-N-amd64-unsigned). */
export function newestKernelPackage(): string {
  const names = run('apt-cache', ['search', '--names-only', '^linux-image-.*-amd64-unsigned$'])
    .split('\n').map((line) => line.split(' ')[0] ?? '').filter((name) => IMAGE.test(name));
  if (names.length === 0) {
    throw new Error('apt knows no linux-image-*-amd64-unsigned package: run "apt-get update" (scripts/setup.sh does), or pass --modules-alias FILE');
  }
  const key = (name: string) => (IMAGE.exec(name) as RegExpExecArray).slice(1).map(Number);
  names.sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return (ka[i] as number) - (kb[i] as number);
    return 0;
  });
  return names[names.length - 1] as string;
}

/**
 * Reads a kernel image package (.deb) and writes modules.alias (depmod's format, from each
 * module's .modinfo) and modules.order into `dir`, streaming: nothing else is unpacked.
 */
export async function extractModuleTables(debPath: string, dir: string): Promise<{ release: string; modules: number; aliases: number }> {
  const deb = basename(debPath);
  const aliases = new Map<string, string[]>(); // module path -> alias patterns
  let order = '';
  let release = '';
  const child = spawn('dpkg-deb', ['--fsys-tarfile', debPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  const modulePath = /^lib\/modules\/([^/]+)\/(kernel\/.+\.ko|modules\.order)$/;
  await readTar(child.stdout, (path) => modulePath.test(path), ({ path, data }) => {
    const m = modulePath.exec(path) as RegExpExecArray;
    release = m[1] as string;
    const rel = m[2] as string;
    if (rel === 'modules.order') order = data.toString('utf8');
    else aliases.set(rel, readModinfo(data).filter((e) => e.startsWith('alias=')).map((e) => e.slice(6)));
  });
  const code = await exited;
  if (code !== 0) throw new Error(`dpkg-deb --fsys-tarfile ${deb} failed: ${stderr.trim()}`);
  if (aliases.size === 0) {
    throw new Error(`${deb} holds no uncompressed kernel modules (lib/modules/*/kernel/**/*.ko); pass --modules-alias FILE instead`);
  }

  // depmod lists modules in modules.order order; modules missing from it come last, sorted.
  const listed = new Set(order.split('\n').map((l) => l.trim()));
  const ordered = [...listed].filter((p) => aliases.has(p));
  const rest = [...aliases.keys()].filter((p) => !listed.has(p)).sort();
  const lines = ['# Aliases extracted from modules themselves (written by auton slm data in depmod format)'];
  for (const path of [...ordered, ...rest]) {
    for (const alias of aliases.get(path) ?? []) lines.push(`alias ${alias} ${moduleName(path)}`);
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'modules.alias'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'modules.order'), order);
  return { release, modules: aliases.size, aliases: lines.length - 1 };
}

function readSource(dir: string): KernelTables | null {
  const file = join(dir, 'source.json');
  if (!existsSync(file) || !existsSync(join(dir, 'modules.alias'))) return null;
  const source = JSON.parse(readFileSync(file, 'utf8')) as Omit<KernelTables, 'dir'>;
  return { ...source, dir };
}

/**
 * Returns the cached tables of `packageName` (default: the newest kernel apt offers), fetching
 * and extracting the package first if the cache has none.
 */
export async function kernelTables(cacheRoot: string, packageName?: string, log: (line: string) => void = () => undefined): Promise<KernelTables> {
  const cached = existsSync(cacheRoot) ? readdirSync(cacheRoot).sort().reverse() : [];
  if (packageName === undefined) {
    // Offline runs reuse whatever the cache holds before asking apt.
    for (const name of cached) {
      const tables = readSource(join(cacheRoot, name));
      if (tables) return tables;
    }
    packageName = newestKernelPackage();
  }
  const dir = join(cacheRoot, packageName);
  const existing = readSource(dir);
  if (existing) return existing;

  mkdirSync(dir, { recursive: true });
  log(`slm data: downloading ${packageName} (apt-get download) into ${dir}`);
  run('apt-get', ['download', packageName], dir);
  const deb = readdirSync(dir).find((f) => f.endsWith('.deb'));
  if (deb === undefined) throw new Error(`apt-get download ${packageName} left no .deb in ${dir}`);
  const debPath = join(dir, deb);
  const packageVersion = run('dpkg-deb', ['-f', debPath, 'Version']).trim();

  log(`slm data: reading module aliases from ${deb}`);
  const { release, modules, aliases } = await extractModuleTables(debPath, dir);
  const tables: KernelTables = { packageName, packageVersion, release, dir };
  writeFileSync(join(dir, 'source.json'), JSON.stringify({ packageName, packageVersion, release }, null, 2) + '\n');
  rmSync(debPath);
  log(`slm data: wrote ${aliases} aliases of ${modules} modules (${release})`);
  return tables;
}
