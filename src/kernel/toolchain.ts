/**
 * Finds the host tools the kernel needs and names the Debian package for
 * each one that is missing, so a missing tool is a one-line fix.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Arch, PROFILES } from './arches';

export type ToolPurpose = 'build' | 'boot' | 'iso' | 'debug';

export interface Tool {
  name: string;
  aptPackage: string;
}

export interface ToolchainReport {
  ok: boolean;
  found: Record<string, string>;
  missing: Tool[];
  /** Empty when ok; otherwise what to run to fix it. */
  installCommand: string;
}

/** The tools one purpose needs for one architecture. */
export function toolsFor(arch: Arch, purpose: ToolPurpose): Tool[] {
  switch (purpose) {
    case 'build': {
      const tools: Tool[] = [
        { name: 'make', aptPackage: 'make' },
        { name: 'clang', aptPackage: 'clang' },
        { name: 'ld.lld', aptPackage: 'lld' },
        { name: 'llvm-objcopy', aptPackage: 'llvm' },
      ];
      if (arch === 'x86_64') tools.push({ name: 'nasm', aptPackage: 'nasm' });
      return tools;
    }
    case 'boot':
      return [{ name: PROFILES[arch].qemu, aptPackage: PROFILES[arch].qemuPackage }];
    case 'iso':
      return [
        { name: 'grub-mkrescue', aptPackage: 'grub-pc-bin grub-common' },
        { name: 'xorriso', aptPackage: 'xorriso' },
        { name: 'mformat', aptPackage: 'mtools' },
      ];
    case 'debug':
      return [{ name: 'gdb-multiarch', aptPackage: 'gdb-multiarch' }];
  }
}

/** Full path of an executable on PATH, or undefined. */
export function which(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathEnv.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export function checkToolchain(
  arches: readonly Arch[],
  purposes: readonly ToolPurpose[],
  pathEnv = process.env.PATH ?? '',
): ToolchainReport {
  const found: Record<string, string> = {};
  const missing: Tool[] = [];
  for (const arch of arches) {
    for (const purpose of purposes) {
      if (purpose === 'iso' && arch !== 'x86_64') continue;
      for (const tool of toolsFor(arch, purpose)) {
        if (found[tool.name] || missing.some((m) => m.name === tool.name)) continue;
        const path = which(tool.name, pathEnv);
        if (path) found[tool.name] = path;
        else missing.push(tool);
      }
    }
  }
  const packages = [...new Set(missing.flatMap((t) => t.aptPackage.split(' ')))];
  return {
    ok: missing.length === 0,
    found,
    missing,
    installCommand: packages.length
      ? `sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`
      : '',
  };
}

/** Throws a readable error when a tool is missing. */
export function requireToolchain(arches: readonly Arch[], purposes: readonly ToolPurpose[]): void {
  const report = checkToolchain(arches, purposes);
  if (!report.ok) {
    const names = report.missing.map((t) => t.name).join(', ');
    throw new ToolchainError(`missing ${names}: install with \`${report.installCommand}\``, report);
  }
}

export class ToolchainError extends Error {
  constructor(message: string, readonly report: ToolchainReport) {
    super(message);
    this.name = 'ToolchainError';
  }
}
