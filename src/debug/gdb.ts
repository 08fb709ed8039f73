/**
 * A gdb process driven over GDB/MI (`--interpreter=mi3`): commands go out with a token and
 * come back as the result record with that token; everything else gdb says (stops, thread
 * and breakpoint notices, console text) is handed to listeners as it arrives.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { parseMiLine, miString, type MiRecord, type MiResultClass, type MiTuple } from './mi';

/** What a command got back: the result record and the console text gdb printed meanwhile. */
export interface MiResult {
  readonly resultClass: Exclude<MiResultClass, 'error'>;
  readonly results: MiTuple;
  /** Console (`~`) output between the command and its result, e.g. of `-interpreter-exec`. */
  readonly console: string;
}

export class GdbError extends Error {
  constructor(
    readonly command: string,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'GdbError';
  }
}

export type AsyncRecord = Extract<MiRecord, { type: 'exec' | 'status' | 'notify' }>;
export type StreamRecord = Extract<MiRecord, { type: 'console' | 'target' | 'log' | 'text' }>;

export interface GdbListeners {
  /** `*stopped`, `*running`, `=thread-created`, `=breakpoint-modified`, ... */
  onAsync?(record: AsyncRecord): void;
  /** Console, target and log text not claimed by a command, and non-MI lines. */
  onStream?(record: StreamRecord): void;
  /** gdb went away; `code` is its exit status, or null when killed. */
  onExit?(code: number | null, signal: NodeJS.Signals | null): void;
}

interface Pending {
  readonly token: number;
  readonly command: string;
  console: string;
  resolve(result: MiResult): void;
  reject(error: Error): void;
}

export interface GdbStartOptions {
  /** The gdb binary, e.g. `gdb-multiarch`. */
  readonly path: string;
  readonly cwd?: string;
  readonly listeners: GdbListeners;
  /** Every line in and out, for the adapter's trace. */
  readonly trace?: (line: string) => void;
}

export class Gdb {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: Pending[] = [];
  private nextToken = 1;
  private buffered = '';
  private exited = false;
  private readonly exit: Promise<void>;
  private startError: Error | undefined;

  private constructor(private readonly options: GdbStartOptions) {
    this.child = spawn(options.path, ['--interpreter=mi3', '--nx', '--quiet'], {
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.setEncoding('latin1');
    this.child.stdout.on('data', (chunk: string) => this.receive(chunk));
    // gdb may be gone by the time a command is written; its exit is reported instead.
    this.child.stdin.on('error', () => undefined);
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text: string) => options.listeners.onStream?.({ type: 'log', text }));
    this.exit = new Promise((resolve) => {
      this.child.on('error', (error) => {
        this.startError = error;
        this.gone(null, null, error.message);
        resolve();
      });
      this.child.on('close', (code, signal) => {
        this.gone(code, signal, `gdb exited (${signal ?? `status ${code}`})`);
        resolve();
      });
    });
  }

  /** Starts gdb and waits until it answers a first command, so a bad binary fails here. */
  static async start(options: GdbStartOptions): Promise<Gdb> {
    const gdb = new Gdb(options);
    try {
      await gdb.send('-gdb-version');
    } catch (error) {
      throw gdb.startError ?? error;
    }
    return gdb;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  /**
   * Sends one MI command (without a token: one is added) and resolves with its result;
   * rejects with GdbError on `^error` and when gdb exits first.
   */
  send(command: string): Promise<MiResult> {
    if (this.exited) {
      return Promise.reject(new GdbError(command, 'gdb is not running'));
    }
    const token = this.nextToken++;
    return new Promise<MiResult>((resolve, reject) => {
      this.pending.push({ token, command, console: '', resolve, reject });
      const line = `${token}${command}`;
      this.options.trace?.(`-> ${line}`);
      this.child.stdin.write(`${line}\n`);
    });
  }

  /** Asks gdb to quit, and kills it when it has not within `graceMs`. */
  async stop(graceMs = 1000): Promise<void> {
    if (!this.exited) {
      this.send('-gdb-exit').catch(() => undefined);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exit;
      clearTimeout(timer);
    }
  }

  /** Kills gdb at once (for a process that is going away). */
  kill(): void {
    if (!this.exited) {
      this.child.kill('SIGKILL');
    }
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    const lines = this.buffered.split('\n');
    this.buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') {
        continue;
      }
      this.options.trace?.(`<- ${Buffer.from(line, 'latin1').toString('utf8')}`);
      this.dispatch(parseMiLine(line));
    }
  }

  private dispatch(record: MiRecord): void {
    switch (record.type) {
      case 'prompt':
        return;
      case 'result':
        return this.settle(record);
      case 'console': {
        // gdb runs one command at a time: console text before a result belongs to the oldest
        // command still waiting for one.
        const owner = this.pending[0];
        if (owner !== undefined) {
          owner.console += record.text;
          return;
        }
        this.options.listeners.onStream?.(record);
        return;
      }
      case 'target':
      case 'log':
      case 'text':
        this.options.listeners.onStream?.(record);
        return;
      default:
        this.options.listeners.onAsync?.(record);
    }
  }

  private settle(record: Extract<MiRecord, { type: 'result' }>): void {
    const index = this.pending.findIndex((p) => p.token === record.token);
    if (index < 0) {
      return; // a result for a command sent without a token, by someone else
    }
    const [pending] = this.pending.splice(index, 1);
    if (pending === undefined) {
      return;
    }
    if (record.resultClass === 'error') {
      const message = miString(record.results.msg) ?? 'gdb reported an error without a message';
      pending.reject(new GdbError(pending.command, message, miString(record.results.code)));
      return;
    }
    pending.resolve({ resultClass: record.resultClass, results: record.results, console: pending.console });
  }

  private gone(code: number | null, signal: NodeJS.Signals | null, why: string): void {
    if (this.exited) {
      return;
    }
    this.exited = true;
    for (const pending of this.pending.splice(0)) {
      pending.reject(new GdbError(pending.command, why));
    }
    this.options.listeners.onExit?.(code, signal);
  }
}
