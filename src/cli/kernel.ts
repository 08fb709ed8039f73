/**
 * `auton kernel build|boot|test|doctor`: the kernel host harness on the
 * command line. Also the main job of the README (`auton kernel boot --arch all`).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  type Arch, artifactsFor, bootKernel, type BootResult, buildKernel, checkToolchain, isNicModel,
  NIC_MODELS, type NicModel, parseArchList, testKernel, type TestRunResult, type VirtioTransport,
} from '../kernel';

interface CommonOpts {
  arch: string;
  root?: string;
  json?: boolean;
}

interface BootOpts extends CommonOpts {
  memory?: string;
  cpus?: string;
  machine?: string;
  cpu?: string;
  append?: string;
  initrd?: string;
  model?: string;
  timeout?: string;
  wait?: boolean;
  gdb?: string;
  iso?: boolean;
  build?: boolean;
  nic: string[];
  disk: string[];
  virtioTransport?: string;
}

interface TestOpts extends BootOpts {
  filter?: string;
}

/** The repository root: --root, or the nearest folder upward holding kernels/Makefile. */
export function findRoot(start: string, explicit?: string): string {
  if (explicit) {
    const root = resolve(explicit);
    if (!existsSync(join(root, 'kernels', 'Makefile'))) {
      throw new UsageError(`--root ${explicit} has no kernels/Makefile`);
    }
    return root;
  }
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'kernels', 'Makefile'))) return dir;
    const up = dirname(dir);
    if (up === dir) {
      throw new UsageError('no kernels/Makefile here or in any parent folder: run inside an AUTON repository or pass --root');
    }
    dir = up;
  }
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** parseArchList with a usage error (exit 2) for bad input. */
function archList(value: string): Arch[] {
  try {
    return parseArchList(value);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function positiveInt(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${what} must be a positive whole number, got "${value}"`);
  return n;
}

function memoryArg(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+[MG]?$/i.test(value)) throw new UsageError(`--memory must look like 256M or 2G, got "${value}"`);
  return value.toUpperCase();
}

const out = (s: string) => process.stdout.write(`${s}\n`);
/**
 * make's output as it comes, so a terminal (and VS Code's `$auton-clang` problem matcher)
 * sees each compiler diagnostic as clang wrote it, paths relative to kernels/. Not with
 * --json, whose stdout is the JSON alone.
 */
const makeOutput = (json: boolean | undefined) => (json ? undefined : (text: string) => process.stdout.write(text));

const collect = (value: string, previous: string[]) => [...previous, value];

/** --nic values: models in order; `none` alone means no NIC; none given keeps QEMU's default. */
function nicList(values: string[]): NicModel[] | undefined {
  if (values.length === 0) return undefined;
  if (values.length === 1 && values[0] === 'none') return [];
  return values.map((v) => {
    if (!isNicModel(v)) throw new UsageError(`--nic must be one of ${NIC_MODELS.join(', ')} (or none), got "${v}"`);
    return v;
  });
}

/** --disk images: each must exist (QEMU's own error would come too late to read). */
function diskList(values: string[]): string[] | undefined {
  for (const d of values) if (!existsSync(d)) throw new UsageError(`--disk ${d}: no such file (create one, e.g. truncate -s 1M ${d})`);
  return values.length ? values.map((d) => resolve(d)) : undefined;
}

function transportArg(value: string | undefined): VirtioTransport | undefined {
  if (value === undefined) return undefined;
  if (value !== 'pci' && value !== 'mmio') throw new UsageError(`--virtio-transport must be pci or mmio, got "${value}"`);
  return value;
}

/** The boot module: --model (a GGUF file that must exist) or --initrd, not both. */
function initrdArg(o: BootOpts): string | undefined {
  if (o.model && o.initrd) throw new UsageError('--model is the boot module: give --model or --initrd, not both');
  if (o.model && !existsSync(o.model)) throw new UsageError(`--model ${o.model}: no such file (the shipped model is slm/models/auton-slm.gguf)`);
  const file = o.model ?? o.initrd;
  return file ? resolve(file) : undefined;
}

/** The device options of a boot, checked against the arches it will run on. */
function deviceOptions(o: BootOpts, arches: Arch[]) {
  const virtioTransport = transportArg(o.virtioTransport);
  if (virtioTransport === 'mmio' && arches.includes('x86_64')) {
    throw new UsageError('--virtio-transport mmio needs a virt machine: use --arch aarch64 or riscv64');
  }
  return { nics: nicList(o.nic), disks: diskList(o.disk), virtioTransport };
}

function addBootOptions(cmd: Command): Command {
  return cmd
    .option('-m, --memory <size>', 'guest RAM, e.g. 256M or 2G', '256M')
    .option('--cpus <n>', 'number of CPUs (-smp)')
    .option('--machine <name>', 'QEMU machine (default: q35 on x86_64, virt elsewhere)')
    .option('--cpu <model>', 'QEMU CPU model')
    .option('--initrd <file>', 'boot module / initrd (e.g. an SLM model)')
    .option('--model <file.gguf>', 'the SLM model for the neural backend, given as the boot module (-initrd)')
    .option('--timeout <seconds>', 'give up after this many seconds')
    .option('--nic <model>', `attach a NIC on QEMU's user network: ${NIC_MODELS.join(', ')}, or none (repeatable)`, collect, [])
    .option('--disk <image>', 'attach a raw disk image as virtio-blk (repeatable)', collect, [])
    .option('--virtio-transport <pci|mmio>', 'virtio NICs and disks on PCI (default) or virtio-mmio (aarch64/riscv64 virt)')
    .option('--no-build', 'use the existing image instead of building first');
}

export function registerKernelCommands(program: Command): void {
  const kernel = program.command('kernel').description('build, boot and test the AUTON kernel in QEMU');

  kernel
    .command('build')
    .description('build kernels/build/<arch>/kernel.{elf,bin} (and the x86_64 GRUB ISO with --iso)')
    .option('-a, --arch <arch>', 'x86_64, aarch64, riscv64, or all', 'all')
    .option('--iso', 'also build the bootable x86_64 ISO')
    .option('--root <dir>', 'repository root (default: found from the current folder)')
    .option('--json', 'print results as JSON')
    .action(async (o: CommonOpts & { iso?: boolean }) => {
      const root = findRoot(process.cwd(), o.root);
      const results = [];
      for (const arch of archList(o.arch)) {
        const r = await buildKernel({ root, arch, onOutput: makeOutput(o.json) });
        results.push(r);
        if (r.ok && o.iso && arch === 'x86_64') results.push(await buildKernel({ root, arch, target: 'iso', onOutput: makeOutput(o.json) }));
      }
      if (o.json) out(JSON.stringify(results.map(({ output: _o, ...r }) => r), null, 2));
      else for (const r of results) out(`${r.ok ? 'ok  ' : 'FAIL'} ${r.message}`);
      process.exitCode = results.every((r) => r.ok) ? 0 : 1;
    });

  addBootOptions(
    kernel
      .command('boot')
      .description('build and boot the kernel, streaming its serial console; stops after [BOOT] ready unless --wait')
      .option('-a, --arch <arch>', 'x86_64, aarch64, riscv64, or all', 'all'),
  )
    .option('--append <cmdline>', 'kernel command line')
    .option('--wait', 'keep running after [BOOT] ready until the kernel exits or the timeout')
    .option('--gdb <port>', 'start halted with a gdb stub on this port (one arch only)')
    .option('--iso', 'boot the GRUB ISO with -cdrom (x86_64)')
    .option('--root <dir>', 'repository root (default: found from the current folder)')
    .option('--json', 'print results as JSON')
    .action(async (o: BootOpts) => {
      const root = findRoot(process.cwd(), o.root);
      const arches = archList(o.arch);
      const gdbPort = positiveInt(o.gdb, '--gdb');
      if (gdbPort && arches.length > 1) throw new UsageError('--gdb needs exactly one --arch');
      if (o.iso && arches.some((a) => a !== 'x86_64')) throw new UsageError('--iso boots the x86_64 GRUB image: use --arch x86_64');
      const devices = deviceOptions(o, arches);
      const results: BootResult[] = [];
      for (const arch of arches) {
        if (o.build !== false) {
          const b = await buildKernel({
            root, arch, target: o.iso ? 'iso' : 'all', vars: o.iso && o.append ? { ISO_CMDLINE: o.append } : undefined,
            onOutput: makeOutput(o.json),
          });
          if (!b.ok) {
            out(`FAIL ${b.message}`);
            process.exitCode = 1;
            continue;
          }
        }
        if (!o.json) out(`\n=== ${arch} ===`);
        const art = artifactsFor(root, arch);
        const timeoutS = positiveInt(o.timeout, '--timeout') ?? (o.wait ? 600 : 60);
        const r = await bootKernel({
          arch,
          kernel: art.bin,
          iso: o.iso ? art.iso : undefined,
          memory: memoryArg(o.memory),
          cpus: positiveInt(o.cpus, '--cpus'),
          machine: o.machine,
          cpu: o.cpu,
          cmdline: o.append,
          initrd: initrdArg(o),
          ...devices,
          gdbPort,
          timeoutMs: timeoutS * 1000,
          bannerTimeoutMs: gdbPort ? undefined : 30_000,
          stopAfterReadyMs: o.wait ? undefined : 500,
          onLine: o.json ? undefined : (line) => out(`${arch} | ${line}`),
        });
        results.push(r);
        if (!o.json) out(`--- ${arch}: ${r.message}`);
      }
      if (o.json) out(JSON.stringify(results.map(({ serial: _s, ...r }) => r), null, 2));
      else if (results.length > 1) {
        out('\nsummary:');
        for (const [i, r] of results.entries()) out(`  ${arches[i]!.padEnd(8)} ${r.outcome.padEnd(12)} ${r.message}`);
      }
      const good = new Set(['ready', 'tests-passed']);
      if (results.length !== arches.length || !results.every((r) => good.has(r.outcome))) process.exitCode = 1;
    });

  addBootOptions(
    kernel
      .command('test')
      .description('build, boot with `ktest`, and report the in-kernel KTAP results')
      .option('-a, --arch <arch>', 'x86_64, aarch64, riscv64, or all', 'all'),
  )
    .option('-f, --filter <prefix>', 'only tests whose name starts with this prefix')
    .option('--root <dir>', 'repository root (default: found from the current folder)')
    .option('--json', 'print results as JSON')
    .action(async (o: TestOpts) => {
      const root = findRoot(process.cwd(), o.root);
      const results: TestRunResult[] = [];
      const arches = archList(o.arch);
      const devices = deviceOptions(o, arches);
      for (const arch of arches) {
        const r = await testKernel({
          root, arch,
          filter: o.filter,
          noBuild: o.build === false,
          onBuildOutput: makeOutput(o.json),
          memory: memoryArg(o.memory),
          cpus: positiveInt(o.cpus, '--cpus'),
          machine: o.machine,
          cpu: o.cpu,
          initrd: initrdArg(o),
          ...devices,
          timeoutMs: (positiveInt(o.timeout, '--timeout') ?? 120) * 1000,
        });
        results.push(r);
        if (!o.json) {
          for (const t of r.ktap?.tests ?? []) {
            out(`${arch} ${t.ok ? 'ok    ' : 'not ok'} ${t.name}`);
            if (!t.ok) for (const d of t.diagnostics) out(`${arch}        # ${d}`);
          }
          out(`${r.ok ? 'PASS' : 'FAIL'} ${r.message}`);
        }
      }
      if (o.json) {
        out(JSON.stringify(results.map((r) => ({
          arch: r.arch, ok: r.ok, message: r.message, outcome: r.boot?.outcome, exitCode: r.boot?.exitCode,
          tests: r.ktap?.tests, planned: r.ktap?.planned,
        })), null, 2));
      }
      process.exitCode = results.every((r) => r.ok) ? 0 : 1;
    });

  addBootOptions(
    kernel
      .command('console')
      .description('boot one arch and attach this terminal to the kernel\'s auton> console (Ctrl-] leaves)')
      .requiredOption('-a, --arch <arch>', 'x86_64, aarch64 or riscv64'),
  )
    .option('--append <cmdline>', 'kernel command line')
    .option('--root <dir>', 'repository root (default: found from the current folder)')
    .action(async (o: BootOpts) => {
      const root = findRoot(process.cwd(), o.root);
      const arches = archList(o.arch);
      if (arches.length !== 1) throw new UsageError('console attaches to one kernel: give one --arch');
      const arch = arches[0] as Arch;
      const devices = deviceOptions(o, arches);
      const initrd = initrdArg(o);
      if (o.build !== false) {
        const b = await buildKernel({ root, arch, onOutput: makeOutput(false) });
        if (!b.ok) {
          out(`FAIL ${b.message}`);
          process.exitCode = 1;
          return;
        }
      }
      const stdin = process.stdin;
      const r = await bootKernel({
        arch,
        kernel: artifactsFor(root, arch).bin,
        memory: memoryArg(o.memory),
        cpus: positiveInt(o.cpus, '--cpus'),
        machine: o.machine,
        cpu: o.cpu,
        cmdline: o.append,
        initrd,
        ...devices,
        timeoutMs: (positiveInt(o.timeout, '--timeout') ?? 24 * 3600) * 1000,
        bannerTimeoutMs: 30_000,
        onOutput: (chunk) => process.stdout.write(Buffer.from(chunk, 'latin1')),
        onConsole: (c) => {
          if (stdin.isTTY) stdin.setRawMode(true);
          stdin.resume();
          stdin.on('data', (data: Buffer) => {
            if (data.includes(0x1d)) c.stop(); // Ctrl-]
            else c.write(data.toString('latin1'));
          });
          stdin.on('end', () => c.stop());
        },
      });
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      out(`\n--- ${arch}: ${r.message}`);
      process.exitCode = r.outcome === 'ready' || r.outcome === 'powered-off' ? 0 : 1;
    });

  kernel
    .command('doctor')
    .description('check that the build, QEMU, ISO and debug tools are installed')
    .option('-a, --arch <arch>', 'x86_64, aarch64, riscv64, or all', 'all')
    .action((o: { arch: string }) => {
      const arches: Arch[] = archList(o.arch);
      const report = checkToolchain(arches, ['build', 'boot', 'iso', 'debug']);
      for (const [name, path] of Object.entries(report.found)) out(`ok      ${name.padEnd(20)} ${path}`);
      for (const t of report.missing) out(`missing ${t.name.padEnd(20)} (Debian package: ${t.aptPackage})`);
      if (!report.ok) out(`\nfix: ${report.installCommand}`);
      process.exitCode = report.ok ? 0 : 1;
    });
}
