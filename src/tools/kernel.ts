/**
 * The kernel tools: kernel_build, kernel_boot and kernel_test over the host harness
 * (src/kernel/), run in the agent's worktree. The model reads a short summary, the first errors
 * or failing tests and the tail of the serial console; the engine gets the full results as data.
 * The harness is injected so that tests can stand in for make and QEMU.
 */
import { relative } from 'node:path';
import { z } from 'zod';
import {
  ARCHES, type Arch, artifactsFor, bootKernel, buildKernel, testKernel,
  type BootOptions, type BootResult, type BuildOptions, type BuildResult, type TestRunOptions, type TestRunResult,
} from '../kernel';
import { defineTool, fail, ok, ToolError } from './define';
import { truncateOutput } from './sandbox';
import type { Tool, ToolContext } from './types';

export interface KernelHarness {
  build(options: BuildOptions): Promise<BuildResult>;
  boot(options: BootOptions): Promise<BootResult>;
  test(options: TestRunOptions): Promise<TestRunResult>;
}

export const realHarness: KernelHarness = { build: buildKernel, boot: bootKernel, test: testKernel };

const BUILD_TIMEOUT_MS = 300_000;
const MAX_ERRORS_SHOWN = 10;
const SERIAL_TAIL = { maxLines: 60, maxBytes: 6_000, keep: 'tail' } as const;

const archField = z.enum(ARCHES).describe('target architecture (one of the task\'s)');

export function createKernelTools(harness: KernelHarness = realHarness): Tool[] {
  const build = defineTool({
    name: 'kernel_build',
    description: 'Build the kernel for one architecture (make in kernels/). Answers the first compiler errors when it fails.',
    effect: 'exec',
    timeoutMs: BUILD_TIMEOUT_MS + 30_000,
    input: z.strictObject({ arch: archField }),
    async run(input, ctx) {
      const arch = checkArch(input.arch, ctx);
      const result = await harness.build({ root: ctx.root, arch, signal: ctx.signal, timeoutMs: BUILD_TIMEOUT_MS });
      return result.ok ? ok(describeBuild(result, ctx), result) : fail(describeBuild(result, ctx), result);
    },
  });

  const boot = defineTool({
    name: 'kernel_boot',
    description:
      'Build the kernel and boot it in QEMU (software emulation, no KVM); stops a few seconds after "[BOOT] ready", ' +
      'on exit, on panic, or at the timeout. Answers what happened and the end of the serial console.',
    effect: 'exec',
    timeoutMs: BUILD_TIMEOUT_MS + 330_000,
    input: z.strictObject({
      arch: archField,
      cmdline: z.string().max(512).regex(/^[^\0\n]*$/, 'one line without NUL bytes').optional()
        .describe('kernel command line, e.g. "loglevel=debug"'),
      memory: z.string().regex(/^\d{1,5}[MG]$/, 'a size like "256M" or "1G"').optional().describe('guest memory (default 256M)'),
      timeout_s: z.int().min(5).max(300).default(60).describe('give up after this many seconds (default 60)'),
    }),
    async run(input, ctx) {
      const arch = checkArch(input.arch, ctx);
      const built = await harness.build({ root: ctx.root, arch, signal: ctx.signal, timeoutMs: BUILD_TIMEOUT_MS });
      if (!built.ok) return fail(`not booted: ${describeBuild(built, ctx)}`, { build: built });
      const result = await harness.boot({
        arch,
        kernel: artifactsFor(ctx.root, arch).bin,
        cmdline: input.cmdline,
        memory: input.memory,
        timeoutMs: input.timeout_s * 1000,
        bannerTimeoutMs: Math.min(30_000, input.timeout_s * 1000),
        stopAfterReadyMs: 2_000,
        signal: ctx.signal,
      });
      const booted = result.outcome === 'ready' || result.outcome === 'tests-passed' || (result.outcome === 'exited' && result.exitCode === 0);
      const lines = [`${arch}: ${result.outcome}: ${result.message}`];
      if (result.banner) lines.push(`banner: ${result.banner}`);
      if (result.panic) lines.push(`panic: ${result.panic}`);
      if (result.stderr.trim()) lines.push(`QEMU said: ${truncateOutput(result.stderr.trim(), { maxLines: 10, maxBytes: 2_000 })}`);
      lines.push(serialTail(result.serial));
      return booted ? ok(lines.join('\n'), { build: built, boot: result }) : fail(lines.join('\n'), { build: built, boot: result });
    },
  });

  const test = defineTool({
    name: 'kernel_test',
    description:
      'Build the kernel, boot it with `ktest` in QEMU and read its KTAP results. Give filter to run only the tests ' +
      'whose name starts with it. Answers the counts, the failing tests with their diagnostics, and the serial tail on failure.',
    effect: 'exec',
    timeoutMs: BUILD_TIMEOUT_MS + 630_000,
    input: z.strictObject({
      arch: archField,
      filter: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a test-name prefix: letters, digits, "_", "." or "-"').optional()
        .describe('only tests whose name starts with this prefix'),
    }),
    async run(input, ctx) {
      const arch = checkArch(input.arch, ctx);
      const result = await harness.test({ root: ctx.root, arch, filter: input.filter, signal: ctx.signal, timeoutMs: 600_000 });
      if (result.build && !result.build.ok) return fail(`not tested: ${describeBuild(result.build, ctx)}`, result);
      const lines = [result.message];
      const failing = (result.ktap?.tests ?? []).filter((t) => !t.ok && !t.skipped);
      if (failing.length) {
        lines.push('failing tests:');
        for (const t of failing.slice(0, MAX_ERRORS_SHOWN)) {
          lines.push(`  not ok ${t.number} ${t.name}`, ...t.diagnostics.slice(0, 8).map((d) => `    # ${d}`));
        }
        if (failing.length > MAX_ERRORS_SHOWN) lines.push(`  [... ${failing.length - MAX_ERRORS_SHOWN} more failing tests]`);
      }
      if (!result.ok && result.boot) lines.push(serialTail(result.boot.serial));
      return result.ok ? ok(lines.join('\n'), result) : fail(lines.join('\n'), result);
    },
  });

  return [build, boot, test];
}

/** The task's architectures bound what an agent may build; a task without any allows every one. */
function checkArch(arch: Arch, ctx: ToolContext): Arch {
  if (ctx.arches.length > 0 && !ctx.arches.includes(arch)) {
    throw new ToolError(`this task targets ${ctx.arches.join(', ')}, not ${arch}: use one of those`);
  }
  return arch;
}

function describeBuild(result: BuildResult, ctx: ToolContext): string {
  const seconds = (result.durationMs / 1000).toFixed(1);
  const rel = (file: string) => relative(ctx.root, file) || file;
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
  if (result.ok) {
    const note = warnings.length ? `\n${warnings.length} warning(s), first: ${rel(warnings[0]?.file ?? '')}:${warnings[0]?.line}: ${warnings[0]?.message}` : '';
    return `${result.message.replace(`${ctx.root}/`, '')} in ${seconds} s${note}`;
  }
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const lines = [`${result.arch} build FAILED (make exited with ${result.exitCode ?? 'no status'}) after ${seconds} s`];
  if (errors.length) {
    lines.push(`${errors.length} error(s):`);
    for (const d of errors.slice(0, MAX_ERRORS_SHOWN)) lines.push(`  ${rel(d.file)}:${d.line}:${d.column}: error: ${d.message}`);
    if (errors.length > MAX_ERRORS_SHOWN) lines.push(`  [... ${errors.length - MAX_ERRORS_SHOWN} more errors]`);
  }
  lines.push('end of the build output:', truncateOutput(result.output.trim(), { maxLines: 30, maxBytes: 4_000, keep: 'tail' }));
  return lines.join('\n');
}

function serialTail(serial: string): string {
  const text = serial.replace(/\r\n?/g, '\n').trim();
  return text ? `serial (end):\n${truncateOutput(text, SERIAL_TAIL)}` : 'serial: (nothing printed)';
}
