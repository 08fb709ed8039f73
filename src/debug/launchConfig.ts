/**
 * The `auton-kernel` launch configuration: what a user may write in launch.json, and the
 * same with every default filled in. Shared by the debug adapter and the VS Code provider
 * (which fills the workspace folder in as `root`).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { type Arch, isArch, PROFILES } from '../kernel/arches';
import { artifactsFor } from '../kernel/build';

export const DEFAULT_GDB = 'gdb-multiarch';
/** The kernel's portable C entry: where `stopAtEntry` stops. */
export const DEFAULT_ENTRY = 'kmain';

/** launch.json attributes of an `auton-kernel` configuration (package.json mirrors them). */
export interface KernelLaunchArguments {
  readonly arch?: string;
  /** Repository root: the folder holding kernels/. */
  readonly root?: string;
  /** Kernel ELF with symbols, for gdb. */
  readonly kernel?: string;
  /** What QEMU boots (`-kernel`); kernel.bin beside the ELF by default. */
  readonly image?: string;
  /** Run the kernel build first (make is incremental: quick when nothing changed). */
  readonly build?: boolean;
  readonly gdbPath?: string;
  readonly qemuArgs?: readonly string[];
  /** Kernel command line (`-append`). */
  readonly cmdline?: string;
  readonly memory?: string;
  readonly cpus?: number;
  readonly stopAtEntry?: boolean;
  /** The function `stopAtEntry` stops in. */
  readonly entry?: string;
  /** Copy every GDB/MI line to the debug console. */
  readonly trace?: boolean;
}

export interface KernelLaunch {
  readonly arch: Arch;
  readonly root: string | undefined;
  readonly kernel: string;
  readonly image: string;
  readonly build: boolean;
  readonly gdbPath: string;
  readonly gdbArch: string;
  readonly qemuArgs: readonly string[];
  readonly cmdline: string | undefined;
  readonly memory: string | undefined;
  readonly cpus: number | undefined;
  readonly stopAtEntry: boolean;
  readonly entry: string;
  readonly trace: boolean;
}

/** The configuration offered as "Debug kernel (<arch>)": launch.json templates and the Run and Debug list. */
export function kernelLaunchTemplate(arch: Arch): KernelLaunchArguments & { type: 'auton-kernel'; request: 'launch'; name: string } {
  return {
    type: 'auton-kernel',
    request: 'launch',
    name: `Debug kernel (${arch})`,
    arch,
    root: '${workspaceFolder}',
    stopAtEntry: true,
  };
}

export class LaunchError extends Error {
  override name = 'LaunchError';
}

/** Fills in defaults and refuses what cannot work, with a message saying what to change. */
export function resolveLaunch(args: KernelLaunchArguments): KernelLaunch {
  const arch = args.arch ?? 'x86_64';
  if (!isArch(arch)) {
    throw new LaunchError(`"arch": "${arch}" is not a kernel architecture; use x86_64, aarch64 or riscv64`);
  }
  const root = args.root === undefined || args.root === '' ? undefined : resolve(args.root);
  const build = args.build ?? root !== undefined;
  if (build && root === undefined) {
    throw new LaunchError('"build": true needs "root", the folder holding kernels/ (AUTON fills it in from the workspace folder)');
  }
  let kernel: string;
  if (args.kernel !== undefined && args.kernel !== '') {
    kernel = root !== undefined && !isAbsolute(args.kernel) ? join(root, args.kernel) : resolve(args.kernel);
  } else if (root !== undefined) {
    kernel = artifactsFor(root, arch).elf;
  } else {
    throw new LaunchError('give "kernel" (the kernel ELF with symbols) or "root" (the folder holding kernels/)');
  }
  const image = args.image !== undefined && args.image !== '' ? resolve(args.image) : join(dirname(kernel), 'kernel.bin');
  if (args.cpus !== undefined && (!Number.isInteger(args.cpus) || args.cpus < 1)) {
    throw new LaunchError(`"cpus" must be a whole number >= 1, got ${JSON.stringify(args.cpus)}`);
  }
  return {
    arch,
    root,
    kernel,
    image,
    build,
    gdbPath: args.gdbPath ?? DEFAULT_GDB,
    gdbArch: PROFILES[arch].gdbArch,
    qemuArgs: args.qemuArgs ?? [],
    cmdline: args.cmdline,
    memory: args.memory,
    cpus: args.cpus,
    stopAtEntry: args.stopAtEntry ?? true,
    entry: args.entry ?? DEFAULT_ENTRY,
    trace: args.trace ?? false,
  };
}

/** Refuses a launch whose kernel was never built, naming the command that builds it. */
export function checkBuilt(launch: KernelLaunch): void {
  for (const [what, path] of [['kernel ELF', launch.kernel], ['QEMU image', launch.image]] as const) {
    if (!existsSync(path)) {
      throw new LaunchError(
        `the ${launch.arch} kernel is not built: ${what} ${path} does not exist. Run "AUTON: Build Kernel" (or \`auton kernel build --arch ${launch.arch}\`), or set "build": true.`,
      );
    }
  }
}
