/**
 * Builds the kernel with its Makefile and turns compiler output into
 * diagnostics (file, line, column, severity, message) for agents and the
 * Problems view.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Arch } from './arches';
import { requireToolchain } from './toolchain';

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  severity: 'error' | 'warning' | 'note';
  message: string;
}

export interface BuildOptions {
  /** Repository root (the folder that holds kernels/). */
  root: string;
  arch: Arch;
  /** Make target: the default image, or the x86_64 GRUB ISO. */
  target?: 'all' | 'iso' | 'clean';
  /** Extra make variables, e.g. { ISO_CMDLINE: 'ktest' }. */
  vars?: Record<string, string>;
  jobs?: number;
  timeoutMs?: number;
  onOutput?: (text: string) => void;
  signal?: AbortSignal;
}

export interface BuildResult {
  ok: boolean;
  arch: Arch;
  exitCode: number | null;
  output: string;
  diagnostics: Diagnostic[];
  durationMs: number;
  artifacts: KernelArtifacts;
  message: string;
}

export interface KernelArtifacts {
  elf: string;
  bin: string;
  iso?: string;
  /** clangd's compile database for this arch (the Makefile writes it on every run). */
  compileCommands: string;
}

export function kernelDir(root: string): string {
  return join(root, 'kernels');
}

export function artifactsFor(root: string, arch: Arch): KernelArtifacts {
  const dir = join(kernelDir(root), 'build', arch);
  return {
    elf: join(dir, 'kernel.elf'),
    bin: join(dir, 'kernel.bin'),
    iso: arch === 'x86_64' ? join(dir, 'auton.iso') : undefined,
    compileCommands: join(dir, 'compile_commands.json'),
  };
}

const DIAG = /^(.+?):(\d+):(\d+): (error|warning|note): (.*)$/;
const NASM_DIAG = /^(.+?):(\d+): (error|warning): (.*)$/;

/** Compiler diagnostics in make's output, paths made absolute from kernels/. */
export function parseDiagnostics(output: string, kernelsDir: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = DIAG.exec(line);
    if (m) {
      const [, file, l, c, sev, msg] = m as unknown as [string, string, string, string, Diagnostic['severity'], string];
      out.push({ file: absolute(file, kernelsDir), line: Number(l), column: Number(c), severity: sev, message: msg });
      continue;
    }
    const n = NASM_DIAG.exec(line);
    if (n && !line.startsWith('make')) {
      const [, file, l, sev, msg] = n as unknown as [string, string, string, Diagnostic['severity'], string];
      out.push({ file: absolute(file, kernelsDir), line: Number(l), column: 1, severity: sev, message: msg });
    }
  }
  return out;
}

function absolute(file: string, base: string): string {
  return isAbsolute(file) ? file : resolve(base, file);
}

export async function buildKernel(o: BuildOptions): Promise<BuildResult> {
  const dir = kernelDir(o.root);
  if (!existsSync(join(dir, 'Makefile'))) {
    throw new Error(`no kernel at ${dir}: run AUTON from the repository root (the folder holding kernels/)`);
  }
  const target = o.target ?? 'all';
  requireToolchain([o.arch], target === 'iso' ? ['build', 'iso'] : ['build']);
  const args = ['-C', dir, `ARCH=${o.arch}`, `-j${o.jobs ?? 2}`, target];
  for (const [k, v] of Object.entries(o.vars ?? {})) args.push(`${k}=${v}`);
  const started = Date.now();
  const { code, output } = await run('make', args, o);
  const diagnostics = parseDiagnostics(output, dir);
  const artifacts = artifactsFor(o.root, o.arch);
  const produced = target === 'clean' || existsSync(target === 'iso' ? artifacts.iso ?? '' : artifacts.bin);
  const ok = code === 0 && produced;
  const firstError = diagnostics.find((d) => d.severity === 'error');
  const message = ok
    ? `built ${o.arch} ${target === 'iso' ? artifacts.iso : artifacts.bin}${sizeNote(target === 'iso' ? artifacts.iso : artifacts.bin)}`
    : firstError
      ? `${o.arch} build failed: ${firstError.file}:${firstError.line}:${firstError.column}: ${firstError.message}`
      : `${o.arch} build failed (make exited with ${code}): ${toolErrors(output) || lastLines(output, 3)}`;
  return { ok, arch: o.arch, exitCode: code, output, diagnostics, durationMs: Date.now() - started, artifacts, message };
}

function sizeNote(path: string | undefined): string {
  return path && existsSync(path) ? ` (${statSync(path).size} bytes)` : '';
}

/** Errors from the linker, nasm or make itself ("ld.lld: error: duplicate symbol: x" and its context lines). */
function toolErrors(output: string): string {
  const lines = output.split(/\r?\n/);
  const picked: string[] = [];
  for (const [i, line] of lines.entries()) {
    if (!/\berror:/.test(line) || line.startsWith('make')) continue;
    picked.push(line.trim());
    for (const next of lines.slice(i + 1, i + 4)) if (next.startsWith('>>>')) picked.push(next.trim());
    if (picked.length >= 8) break;
  }
  return picked.join(' | ');
}

function lastLines(text: string, n: number): string {
  return text.trim().split(/\r?\n/).slice(-n).join(' | ');
}

function run(cmd: string, args: string[], o: BuildOptions): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      o.onOutput?.(text);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      output += `\nbuild timed out after ${o.timeoutMs} ms\n`;
      child.kill('SIGKILL');
    }, o.timeoutMs ?? 300_000);
    const onAbort = () => child.kill('SIGKILL');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolvePromise({ code: null, output: `${output}\n${err.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolvePromise({ code, output });
    });
  });
}
