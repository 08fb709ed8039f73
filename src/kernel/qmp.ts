/**
 * A small QMP (QEMU Machine Protocol) client over the unix socket that
 * `BootOptions.qmpSocket` opens: what QEMU really attached is the ground
 * truth the kernel's `[HW]` report is checked against (query-pci,
 * query-cpus-fast, query-memory-size-summary).
 */
import { createConnection, type Socket } from 'node:net';

export class QmpError extends Error {
  override name = 'QmpError';
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class QmpClient {
  private buffer = '';
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private greetingWaiter?: Pending;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => this.fail(new QmpError('QMP connection closed (QEMU exited?)')));
    socket.on('error', (err) => this.fail(new QmpError(`QMP socket error: ${err.message}`)));
  }

  /**
   * Connects to the socket (retrying while QEMU has not created it yet),
   * reads the greeting and leaves capabilities negotiation mode.
   */
  static async connect(path: string, timeoutMs = 10_000): Promise<QmpClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await openSocket(path);
        const client = new QmpClient(socket);
        await client.greeting(Math.max(1000, deadline - Date.now()));
        await client.execute('qmp_capabilities');
        return client;
      } catch (error) {
        if (Date.now() >= deadline) {
          throw new QmpError(`no QMP server at ${path} within ${timeoutMs} ms: ${error instanceof Error ? error.message : String(error)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Runs one command; resolves with its "return" value, rejects with its error. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new QmpError('QMP connection is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(`${JSON.stringify({ execute: command, arguments: args, id })}\n`);
    });
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private greeting(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new QmpError('no QMP greeting')), timeoutMs);
      this.greetingWaiter = {
        resolve: () => { clearTimeout(timer); resolve(); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.onMessage(line);
    }
  }

  private onMessage(line: string): void {
    let msg: { QMP?: unknown; event?: string; id?: number; return?: unknown; error?: { class?: string; desc?: string } };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return; // not JSON: ignore rather than guess
    }
    if (msg.QMP !== undefined) {
      this.greetingWaiter?.resolve(undefined);
      this.greetingWaiter = undefined;
      return;
    }
    if (msg.event !== undefined || msg.id === undefined) return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.error) p.reject(new QmpError(`${msg.error.class ?? 'Error'}: ${msg.error.desc ?? 'unknown error'}`));
    else p.resolve(msg.return);
  }

  private fail(error: Error): void {
    this.closed = true;
    this.greetingWaiter?.reject(error);
    this.greetingWaiter = undefined;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}

function openSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path);
    s.once('connect', () => { s.removeAllListeners('error'); resolve(s); });
    s.once('error', reject);
  });
}

/** One PCI function as QEMU sees it. */
export interface QmpPciFunction {
  bus: number;
  slot: number;
  function: number;
  vendor: number;
  device: number;
  /** Base class << 8 | subclass. */
  classCode: number;
  qdevId: string;
}

interface RawPciDevice {
  bus: number;
  slot: number;
  function: number;
  class_info: { class: number };
  id: { vendor: number; device: number };
  qdev_id: string;
  pci_bridge?: { devices?: RawPciDevice[] };
}

/** query-pci, flattened through every bridge, ordered by bus, slot, function. */
export async function queryPci(qmp: QmpClient): Promise<QmpPciFunction[]> {
  const buses = await qmp.execute<{ bus: number; devices: RawPciDevice[] }[]>('query-pci');
  const out: QmpPciFunction[] = [];
  const walk = (devices: RawPciDevice[]) => {
    for (const d of devices) {
      out.push({
        bus: d.bus, slot: d.slot, function: d.function,
        vendor: d.id.vendor, device: d.id.device, classCode: d.class_info.class, qdevId: d.qdev_id,
      });
      if (d.pci_bridge?.devices) walk(d.pci_bridge.devices);
    }
  };
  for (const b of buses) walk(b.devices);
  return out.sort((a, b) => (a.bus - b.bus) || (a.slot - b.slot) || (a.function - b.function));
}

const hex = (v: number, digits: number) => v.toString(16).padStart(digits, '0');

/** "bb:dd.f vvvv:dddd class cc:ss": the identity part of a kernel `[HW] pci` line. */
export function formatPciFunction(f: QmpPciFunction): string {
  return `${hex(f.bus, 2)}:${hex(f.slot, 2)}.${f.function} ${hex(f.vendor, 4)}:${hex(f.device, 4)} ` +
    `class ${hex(f.classCode >> 8, 2)}:${hex(f.classCode & 0xff, 2)}`;
}

/** CPUs QEMU runs for the guest. */
export async function queryCpuCount(qmp: QmpClient): Promise<number> {
  return (await qmp.execute<unknown[]>('query-cpus-fast')).length;
}

/** Guest RAM in bytes (boot memory, without hotplugged DIMMs). */
export async function queryMemoryBytes(qmp: QmpClient): Promise<number> {
  return (await qmp.execute<{ 'base-memory': number }>('query-memory-size-summary'))['base-memory'];
}
