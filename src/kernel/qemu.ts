/**
 * Boots a kernel in QEMU, streams its serial console, and turns whatever
 * happens (clean exit, test failure, panic, hang, crash, no banner) into a
 * result. QEMU always runs under a deadline and is always killed on the way
 * out, so no caller ever waits on a stuck guest.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants as fsConstants, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Arch, EXIT_PANIC, EXIT_POWEROFF, EXIT_TESTS_FAILED, EXIT_TESTS_PASSED, PROFILES } from './arches';
import { which } from './toolchain';

/** NIC models the kernel has drivers for (`--nic`). */
export const NIC_MODELS = ['virtio', 'e1000', 'e1000e'] as const;
export type NicModel = (typeof NIC_MODELS)[number];

/** How virtio devices attach: PCI everywhere, or virtio-mmio on the virt machines. */
export type VirtioTransport = 'pci' | 'mmio';

export function isNicModel(value: string): value is NicModel {
  return (NIC_MODELS as readonly string[]).includes(value);
}

export interface BootOptions {
  arch: Arch;
  /** Image for `-kernel` (ignored when iso is set). */
  kernel?: string;
  /** Boot a CD image with `-cdrom` instead of `-kernel` (x86_64 GRUB ISO). */
  iso?: string;
  /** QEMU -m value, e.g. "256M". */
  memory?: string;
  cpus?: number;
  machine?: string;
  cpu?: string;
  /** Kernel command line (`-append`). */
  cmdline?: string;
  initrd?: string;
  /**
   * NICs, in order, each on its own QEMU user network (guest 10.0.2.15,
   * gateway 10.0.2.2). `[]` means no NIC at all (`-nic none`); leaving it
   * out keeps QEMU's default NIC (e1000 on pc, e1000e on q35, virtio on
   * aarch64 virt, none on riscv64 virt).
   */
  nics?: NicModel[];
  /** Raw disk images, in order, attached as virtio-blk (the kernel names them vda, vdb, ...). */
  disks?: string[];
  /** Transport of the virtio NICs and disks: `pci` (default) or `mmio` (virt machines only). */
  virtioTransport?: VirtioTransport;
  /** Path of a QMP socket to open (`-qmp unix:PATH,server=on,wait=off`), see qmp.ts. */
  qmpSocket?: string;
  /** Extra QEMU arguments (devices, drives). */
  extraArgs?: string[];
  /** Whole-run deadline. */
  timeoutMs?: number;
  /** Give up early when the banner has not appeared by then. */
  bannerTimeoutMs?: number;
  /** Stop QEMU this long after `[BOOT] ready` (for plain boots that never exit). */
  stopAfterReadyMs?: number;
  /** Start halted with a gdb stub on this TCP port (`-S -gdb tcp::PORT`). */
  gdbPort?: number;
  /** Called with QEMU's process id once it has started. */
  onStart?: (pid: number) => void;
  /** Called for every complete serial line, without the line ending. */
  onLine?: (line: string) => void;
  /** Called with every chunk of serial output as it arrives (prompts included). */
  onOutput?: (chunk: string) => void;
  /**
   * Talk to the kernel's `auton> ` console (kernel_spec/slm.md): QEMU's
   * serial input becomes a pipe and this is called once, with a handle,
   * when the first prompt appears. The boot keeps running until the
   * handle's stop(), a poweroff, or the deadline.
   */
  onConsole?: (console: KernelConsole) => void;
  /** Aborts the boot (QEMU is killed; outcome "cancelled"). */
  signal?: AbortSignal;
  qemuBinary?: string;
}

/** The kernel console's prompt (printed without a line ending). */
export const CONSOLE_PROMPT = 'auton> ';

/** Bytes typed at once before waiting for the kernel's echo. */
const CONSOLE_TYPE_CHUNK = 8;
/** The longest line the kernel console takes (SLM_TEXT_MAX in kernels/include/slm.h). */
export const CONSOLE_LINE_MAX = 512;

/** A handle on the kernel's serial console, given by BootOptions.onConsole. */
export interface KernelConsole {
  /** Sends raw bytes to the kernel's serial input. */
  write(text: string): void;
  /**
   * Sends one line and resolves with what the kernel printed before its next
   * prompt, as lines (the echo of the command left out). Rejects when the
   * boot ends first or nothing comes back within timeoutMs (default 60 s).
   * One command at a time.
   */
  command(line: string, timeoutMs?: number): Promise<string[]>;
  /** Stops QEMU (the boot's outcome is then 'ready'). */
  stop(): void;
}

export type BootOutcome =
  | 'tests-passed'   // exit 33
  | 'tests-failed'   // exit 35
  | 'panic'          // exit 37 or a [PANIC] line
  | 'ready'          // reached [BOOT] ready and was stopped on purpose
  | 'no-banner'      // never printed the AUTON banner
  | 'timeout'        // printed the banner but did not finish in time
  | 'powered-off'    // exit 39: poweroff or exit typed at the console
  | 'exited'         // QEMU exited with another status
  | 'cancelled'
  | 'qemu-error';    // QEMU could not start or rejected its arguments

export interface BootResult {
  outcome: BootOutcome;
  /** QEMU's exit status, or null when it was killed. */
  exitCode: number | null;
  serial: string;
  /** QEMU's own stderr (argument errors and the like). */
  stderr: string;
  banner?: string;
  ready: boolean;
  panic?: string;
  /** Milliseconds from QEMU start to the banner and to `[BOOT] ready`. */
  bannerMs?: number;
  readyMs?: number;
  durationMs: number;
  args: string[];
  /** One line saying what happened, for people. */
  message: string;
}

export const BANNER = /^AUTON (\S+) (x86_64|aarch64|riscv64)$/;

/** The QEMU argument list for a boot (exposed for tests and the debugger). */
export function qemuArgs(o: BootOptions): string[] {
  const p = PROFILES[o.arch];
  const args = ['-machine', o.machine ?? p.machine];
  const cpu = o.cpu ?? p.cpu;
  if (cpu) args.push('-cpu', cpu);
  args.push('-m', o.memory ?? '256M');
  if (o.cpus && o.cpus > 1) args.push('-smp', String(o.cpus));
  args.push('-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot', ...p.fixedArgs);
  if (o.iso) {
    args.push('-cdrom', o.iso);
  } else {
    if (!o.kernel) throw new Error('qemuArgs: a kernel image or an ISO is required');
    args.push('-kernel', o.kernel);
    if (o.cmdline) args.push('-append', o.cmdline);
    if (o.initrd) args.push('-initrd', o.initrd);
  }
  args.push(...deviceArgs(o));
  if (o.qmpSocket) args.push('-qmp', `unix:${o.qmpSocket},server=on,wait=off`);
  if (o.gdbPort) args.push('-S', '-gdb', `tcp:127.0.0.1:${o.gdbPort}`);
  args.push(...(o.extraArgs ?? []));
  return args;
}

/** QEMU arguments for the NICs and disks of a boot (netdevs net0.., drives disk0..). */
export function deviceArgs(o: Pick<BootOptions, 'arch' | 'nics' | 'disks' | 'virtioTransport'>): string[] {
  const transport = o.virtioTransport ?? 'pci';
  if (transport === 'mmio' && o.arch === 'x86_64') {
    throw new Error('virtio-mmio devices need a device-tree machine (aarch64 or riscv64 virt); use the pci transport on x86_64');
  }
  const virtio = (kind: 'net' | 'blk') => `virtio-${kind}-${transport === 'mmio' ? 'device' : 'pci'}`;
  const args: string[] = [];
  if (o.nics && o.nics.length === 0) args.push('-nic', 'none');
  for (const [i, model] of (o.nics ?? []).entries()) {
    const device = model === 'virtio' ? virtio('net') : model;
    args.push('-netdev', `user,id=net${i}`, '-device', `${device},netdev=net${i}`);
  }
  for (const [i, file] of (o.disks ?? []).entries()) {
    if (file.includes(',')) throw new Error(`disk image path ${file} contains a comma, which QEMU's -drive cannot take`);
    args.push('-drive', `file=${file},format=raw,if=none,id=disk${i}`, '-device', `${virtio('blk')},drive=disk${i}`);
  }
  return args;
}

export function describeExit(code: number | null): string {
  switch (code) {
    case EXIT_TESTS_PASSED: return 'all in-kernel tests passed';
    case EXIT_TESTS_FAILED: return 'in-kernel tests failed';
    case EXIT_PANIC: return 'kernel panicked';
    case EXIT_POWEROFF: return 'powered off from the console';
    case null: return 'QEMU was stopped';
    default: return `QEMU exited with status ${code}`;
  }
}

export function bootKernel(o: BootOptions): Promise<BootResult> {
  const binary = o.qemuBinary ?? PROFILES[o.arch].qemu;
  const image = o.iso ?? o.kernel;
  const args = qemuArgs(o);
  const started = Date.now();
  const base = { serial: '', stderr: '', ready: false, args };

  if (!which(binary) && !existsSync(binary)) {
    return Promise.resolve({
      ...base, outcome: 'qemu-error', exitCode: null, durationMs: 0,
      message: `${binary} not found: install with \`sudo apt-get install -y ${PROFILES[o.arch].qemuPackage}\``,
    });
  }
  if (image && !existsSync(image)) {
    return Promise.resolve({
      ...base, outcome: 'qemu-error', exitCode: null, durationMs: 0,
      message: `kernel image ${image} does not exist: build it first (auton kernel build --arch ${o.arch})`,
    });
  }

  return new Promise((resolve) => {
    const fifo = serialFifo();
    const child = spawn(binary, args, { stdio: ['pipe', fifo ? fifo.writeFd : 'pipe', 'pipe'] });
    fifo?.parentDone();
    const serialOut = fifo ? fifo.reader : child.stdout!;
    // QEMU has exited ('close') and its serial output is read to the end.
    let exited: { code: number | null } | undefined;
    let drained = !fifo;
    serialOut.on('end', () => { drained = true; if (exited) finish(exited.code); });
    serialOut.on('error', () => { drained = true; if (exited) finish(exited.code); });
    // Serial input only for the console; otherwise the guest sees end of input at once.
    if (!o.onConsole) child.stdin!.end();
    if (child.pid !== undefined) o.onStart?.(child.pid);
    child.stdin!.on('error', () => { /* QEMU went away; the close handler reports how */ });
    let serial = '';
    let stderr = '';
    let partial = '';
    let banner: string | undefined;
    let bannerMs: number | undefined;
    let readyMs: number | undefined;
    let panic: string | undefined;
    let stopReason: 'ready' | 'timeout' | 'no-banner' | 'cancelled' | undefined;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];

    const stop = (reason: NonNullable<typeof stopReason>) => {
      if (stopReason || settled) return;
      stopReason = reason;
      child.kill('SIGKILL');
    };

    const onLine = (line: string) => {
      if (!banner && BANNER.test(line)) {
        banner = line;
        bannerMs = Date.now() - started;
      }
      if (readyMs === undefined && line === '[BOOT] ready') {
        readyMs = Date.now() - started;
        if (o.stopAfterReadyMs !== undefined) timers.push(setTimeout(() => stop('ready'), o.stopAfterReadyMs));
      }
      if (!panic && line.startsWith('[PANIC] ')) panic = line.slice(8);
      o.onLine?.(line);
    };

    // The console: output since the last prompt, and the command waiting for its answer.
    // A command is typed a few bytes at a time, each batch once the kernel has echoed the
    // one before: the UARTs hold 16 to 32 bytes and drop what comes faster than it polls.
    let consoleOffered = false;
    let sincePrompt = '';
    let pending: {
      resolve: (lines: string[]) => void; reject: (err: Error) => void; timer: NodeJS.Timeout;
      bytes: Buffer; sent: number;
    } | undefined;
    const failPending = (why: string) => {
      if (!pending) return;
      clearTimeout(pending.timer);
      pending.reject(new Error(why));
      pending = undefined;
    };
    const typeMore = () => {
      if (!pending || settled || pending.sent > pending.bytes.length) return;
      if (sincePrompt.length < pending.sent) return; // the echo has not caught up yet
      if (pending.sent === pending.bytes.length) {
        pending.sent++;
        child.stdin!.write('\r');
        return;
      }
      const next = Math.min(pending.bytes.length, pending.sent + CONSOLE_TYPE_CHUNK);
      child.stdin!.write(pending.bytes.subarray(pending.sent, next));
      pending.sent = next;
    };
    const kernelConsole: KernelConsole = {
      write: (text) => { if (!settled) child.stdin!.write(text); },
      command: (line, timeoutMs = 60_000) => new Promise<string[]>((res, rej) => {
        if (settled) { rej(new Error('the kernel is no longer running')); return; }
        if (pending) { rej(new Error('one console command at a time: wait for the previous answer')); return; }
        // The console takes printable bytes only, at most CONSOLE_LINE_MAX of them.
        const bytes = Buffer.from([...line].map((c) => (c.charCodeAt(0) < 0x20 || c === '\x7f' ? ' ' : c)).join(''), 'utf8');
        if (bytes.length > CONSOLE_LINE_MAX) { rej(new Error(`console lines hold at most ${CONSOLE_LINE_MAX} bytes, this one has ${bytes.length}`)); return; }
        const timer = setTimeout(() => failPending(`no prompt within ${timeoutMs} ms after "${line}" (last output: ${sincePrompt.trim().split('\n').pop() ?? ''})`), timeoutMs);
        pending = { resolve: res, reject: rej, timer, bytes, sent: 0 };
        sincePrompt = '';
        typeMore();
      }),
      stop: () => stop('ready'),
    };
    const onConsoleOutput = (chunk: string) => {
      if (!o.onConsole) return;
      sincePrompt += chunk;
      typeMore();
      if (!sincePrompt.endsWith(CONSOLE_PROMPT) || (pending && pending.sent <= pending.bytes.length)) return;
      const before = sincePrompt.slice(0, sincePrompt.length - CONSOLE_PROMPT.length);
      sincePrompt = '';
      if (!consoleOffered) {
        consoleOffered = true;
        o.onConsole(kernelConsole);
        return;
      }
      if (!pending) return;
      // The first line is the kernel's echo of the command.
      const lines = before.replace(/\r/g, '').split('\n');
      lines.shift();
      if (lines[lines.length - 1] === '') lines.pop();
      clearTimeout(pending.timer);
      const done = pending;
      pending = undefined;
      done.resolve(lines);
    };

    serialOut.setEncoding('latin1');
    serialOut.on('data', (chunk: string) => {
      o.onOutput?.(chunk);
      onConsoleOutput(chunk);
      serial += chunk;
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) onLine(l.replace(/\r$/, ''));
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => { stderr += chunk; });

    timers.push(setTimeout(() => stop(banner ? 'timeout' : 'no-banner'), o.timeoutMs ?? 60_000));
    if (o.bannerTimeoutMs !== undefined && !o.gdbPort) {
      timers.push(setTimeout(() => { if (!banner) stop('no-banner'); }, o.bannerTimeoutMs));
    }
    const onAbort = () => stop('cancelled');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.signal?.aborted) onAbort();

    const finish = (code: number | null, spawnError?: Error) => {
      if (settled) return;
      settled = true;
      fifo?.reader.destroy();
      timers.forEach(clearTimeout);
      failPending(`the kernel stopped before answering (${describeExit(code)})`);
      o.signal?.removeEventListener('abort', onAbort);
      if (partial) onLine(partial.replace(/\r$/, ''));
      const durationMs = Date.now() - started;
      const ready = readyMs !== undefined;
      let outcome: BootOutcome;
      let message: string;
      if (spawnError) {
        outcome = 'qemu-error';
        message = `could not start ${binary}: ${spawnError.message}`;
      } else if (stopReason === 'cancelled') {
        outcome = 'cancelled';
        message = 'boot cancelled';
      } else if (stopReason === 'ready') {
        outcome = 'ready';
        message = `booted to [BOOT] ready in ${readyMs} ms`;
      } else if (stopReason === 'no-banner') {
        outcome = 'no-banner';
        message = `no "AUTON <version> ${o.arch}" banner on serial within ${durationMs} ms: the kernel did not start (wrong image, or it crashed before its console came up)`;
      } else if (stopReason === 'timeout') {
        outcome = panic ? 'panic' : 'timeout';
        message = panic
          ? `kernel panicked: ${panic} (and did not exit)`
          : `kernel hung: no exit within ${durationMs} ms (last line: ${lastLine(serial) || 'none'})`;
      } else if (code === EXIT_TESTS_PASSED) {
        outcome = 'tests-passed';
        message = describeExit(code);
      } else if (code === EXIT_TESTS_FAILED) {
        outcome = 'tests-failed';
        message = describeExit(code);
      } else if (code === EXIT_POWEROFF) {
        outcome = 'powered-off';
        message = describeExit(code);
      } else if (code === EXIT_PANIC || panic) {
        outcome = 'panic';
        message = `kernel panicked: ${panic ?? '(no [PANIC] line)'}`;
      } else if (!banner && stderr.trim()) {
        outcome = 'qemu-error';
        message = `QEMU failed: ${stderr.trim().split('\n')[0]}`;
      } else if (!banner) {
        outcome = 'no-banner';
        message = `QEMU exited with status ${code} before the kernel printed its banner`;
      } else {
        outcome = 'exited';
        message = describeExit(code);
      }
      resolve({
        outcome, exitCode: stopReason ? null : code, serial, stderr, banner, ready, panic,
        bannerMs, readyMs, durationMs, args, message,
      });
    };
    child.on('error', (err) => finish(null, err));
    child.on('close', (code) => {
      exited = { code };
      if (drained) finish(code);
      // The FIFO ends when QEMU's end of it closes; never wait on it for long.
      else timers.push(setTimeout(() => { fifo?.reader.destroy(); finish(code); }, 2000));
    });
  });
}

function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  return lines[lines.length - 1] ?? '';
}

/**
 * QEMU's serial output through a FIFO rather than the socket pair Node gives a child for
 * stdout. QEMU writes the console one byte per write(2); a Unix socket charges each of those a
 * whole buffer, so a busy host that reads late makes QEMU's UART see EAGAIN, and after a few
 * retries QEMU drops the byte. A pipe packs the bytes into pages (64 KiB) and never loses one.
 * Undefined where FIFOs cannot be made (then stdout is a plain pipe as before).
 */
function serialFifo(): { writeFd: number; reader: Socket; parentDone(): void } | undefined {
  let dir: string | undefined;
  try {
    dir = mkdtempSync(join(tmpdir(), 'auton-serial-'));
    const path = join(dir, 'serial');
    if (spawnSync('mkfifo', [path]).status !== 0) throw new Error('mkfifo failed');
    const readFd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    const writeFd = openSync(path, fsConstants.O_WRONLY);
    rmSync(dir, { recursive: true, force: true });
    const reader = new Socket({ fd: readFd, readable: true, writable: false });
    return { writeFd, reader, parentDone: () => closeSync(writeFd) };
  } catch {
    if (dir) rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}
