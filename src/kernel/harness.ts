/**
 * The kernel host harness: build, boot, test. Shared by the CLI, the VS Code
 * tasks, the agents' tools and the acceptance tests.
 */
import type { Arch } from './arches';
import { artifactsFor, buildKernel, type BuildResult } from './build';
import { parseKtap, summarizeKtap, type KtapResult } from './ktap';
import { bootKernel, type BootOptions, type BootResult } from './qemu';

export interface TestRunOptions extends Omit<BootOptions, 'arch' | 'kernel' | 'cmdline'> {
  root: string;
  arch: Arch;
  /** Only tests whose name starts with this prefix (`ktest=<prefix>`). */
  filter?: string;
  /** Extra command-line words after `ktest`. */
  cmdline?: string;
  /** Skip the build (the image must exist). */
  noBuild?: boolean;
  /** make's output as it comes (compiler diagnostics included). */
  onBuildOutput?: (text: string) => void;
}

export interface TestRunResult {
  arch: Arch;
  ok: boolean;
  build?: BuildResult;
  boot?: BootResult;
  ktap?: KtapResult;
  message: string;
}

/** Builds (unless told not to), boots with `ktest`, and parses the KTAP. */
export async function testKernel(o: TestRunOptions): Promise<TestRunResult> {
  let build: BuildResult | undefined;
  if (!o.noBuild) {
    build = await buildKernel({ root: o.root, arch: o.arch, signal: o.signal, onOutput: o.onBuildOutput });
    if (!build.ok) return { arch: o.arch, ok: false, build, message: build.message };
  }
  const cmdline = [o.filter ? `ktest=${o.filter}` : 'ktest', o.cmdline].filter(Boolean).join(' ');
  const boot = await bootKernel({
    ...o,
    kernel: artifactsFor(o.root, o.arch).bin,
    cmdline,
    timeoutMs: o.timeoutMs ?? 120_000,
    bannerTimeoutMs: o.bannerTimeoutMs ?? 30_000,
  });
  const ktap = parseKtap(boot.serial);
  const ok = boot.outcome === 'tests-passed' && ktap.failed === 0 && ktap.missing === 0 && ktap.started;
  let message = `${o.arch}: ${summarizeKtap(ktap)}`;
  if (!ok) {
    const failed = ktap.tests.filter((t) => !t.ok && !t.skipped).map((t) => t.name);
    message += ` — ${boot.message}${failed.length ? ` (failed: ${failed.join(', ')})` : ''}`;
  }
  return { arch: o.arch, ok, build, boot, ktap, message };
}
