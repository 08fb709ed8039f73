/**
 * clangd for agents: after an agent edits a kernel C file or header, its tool result carries
 * clangd's errors and warnings for that file. A small Language Server Protocol client over
 * clangd's stdin/stdout (JSON-RPC with Content-Length framing), one clangd per worktree, started
 * the first time a kernel C file of that worktree is edited, reading the arch's
 * compile_commands.json (written by `make compile-db` when the worktree has none yet), and
 * stopped when the run ends. No vscode here: the CLI and the extension share it.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Arch, isArch } from './arches';
import { artifactsFor, kernelDir } from './build';
import { which } from './toolchain';

export interface CDiagnostic {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units as LSP counts them. */
  column: number;
  severity: 'error' | 'warning' | 'information' | 'hint';
  message: string;
  /** clangd's notes: where a declaration is, the line in a header an error comes from. */
  related: { file: string; line: number; column: number; message: string }[];
}

export type CheckResult =
  /** clangd's diagnostics for the text just written (possibly none). */
  | { kind: 'diagnostics'; diagnostics: CDiagnostic[] }
  /** clangd did not answer within the wait (still starting, or busy). */
  | { kind: 'timeout' }
  /** No clangd for this file (not installed, disabled, failed to start): say nothing. */
  | { kind: 'unavailable' };

// ---- JSON-RPC over a child's stdio ------------------------------------------

interface Message {
  jsonrpc: '2.0';
  id?: number | string | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

/** JSON-RPC 2.0 with LSP's `Content-Length` headers, over a child process's stdin/stdout. */
class RpcConnection {
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly handlers = new Map<string, (params: unknown) => void>();
  private closedWith: Error | undefined;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    child.stdin.on('error', () => undefined); // the exit handler reports it
  }

  onNotification(method: string, handler: (params: unknown) => void): void {
    this.handlers.set(method, handler);
  }

  request(method: string, params: unknown): Promise<unknown> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise((resolvePromise, reject) => {
      this.pending.set(id, { resolve: resolvePromise, reject });
      this.send({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    if (!this.closedWith) this.send({ jsonrpc: '2.0', method, params });
  }

  /** Fails every pending request; later calls fail at once. */
  close(error: Error): void {
    this.closedWith ??= error;
    for (const p of this.pending.values()) p.reject(this.closedWith);
    this.pending.clear();
  }

  private send(message: Message): void {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.child.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const length = /content-length:\s*(\d+)/i.exec(header);
      if (!length) {
        // Not LSP framing: drop up to the blank line and go on (clangd never does this).
        this.buffer = this.buffer.subarray(headerEnd + 4);
        continue;
      }
      const start = headerEnd + 4;
      const end = start + Number(length[1]);
      if (this.buffer.length < end) return;
      const body = this.buffer.subarray(start, end).toString('utf8');
      this.buffer = this.buffer.subarray(end);
      let message: Message;
      try {
        message = JSON.parse(body) as Message;
      } catch {
        continue;
      }
      this.dispatch(message);
    }
  }

  private dispatch(message: Message): void {
    if (message.method !== undefined) {
      if (message.id !== undefined && message.id !== null) {
        // A request from the server: this client offers no capabilities it could ask about.
        this.send({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: `${message.method} is not supported by this client` } });
      } else {
        this.handlers.get(message.method)?.(message.params);
      }
      return;
    }
    if (typeof message.id !== 'number') return;
    const p = this.pending.get(message.id);
    if (!p) return;
    this.pending.delete(message.id);
    if (message.error) p.reject(new Error(`${message.error.message} (code ${message.error.code})`));
    else p.resolve(message.result);
  }
}

// ---- one clangd ---------------------------------------------------------------

export interface ClangdServerOptions {
  /** The clangd executable. */
  clangd: string;
  /** Absolute path of kernels/: clangd's working directory and workspace root. */
  kernelsDir: string;
  /** Folder holding compile_commands.json; without it clangd searches upward from each file. */
  compileCommandsDir?: string;
  env?: NodeJS.ProcessEnv;
}

interface LspPosition {
  line: number;
  character: number;
}

interface LspDiagnostic {
  range: { start: LspPosition };
  severity?: number;
  message: string;
  relatedInformation?: { location: { uri: string; range: { start: LspPosition } }; message: string }[];
}

interface PublishDiagnosticsParams {
  uri: string;
  version?: number;
  diagnostics: LspDiagnostic[];
}

/** How long clangd may take to answer `initialize` before it is given up. */
const INITIALIZE_MS = 30_000;

const SEVERITIES: CDiagnostic['severity'][] = ['error', 'warning', 'information', 'hint'];

/** One clangd process and its LSP session. */
export class ClangdServer {
  private readonly waiters = new Map<string, { version: number; resolve: (d: CDiagnostic[]) => void; reject: (e: Error) => void }>();
  private version = 0;
  private exited: Error | undefined;
  private readonly exitPromise: Promise<void>;
  /** Per file: the previous check's promise, so checks of one file never overlap. */
  private readonly queues = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly rpc: RpcConnection,
  ) {
    this.exitPromise = new Promise((resolvePromise) => {
      child.on('exit', (code, signal) => {
        this.exited = new Error(`clangd exited (${signal ?? `code ${code}`})`);
        rpc.close(this.exited);
        for (const waiter of this.waiters.values()) waiter.reject(this.exited);
        this.waiters.clear();
        resolvePromise();
      });
    });
    rpc.onNotification('textDocument/publishDiagnostics', (params) => this.published(params as PublishDiagnosticsParams));
  }

  /** Starts clangd and completes the LSP handshake. */
  static async start(o: ClangdServerOptions): Promise<ClangdServer> {
    const args = ['--background-index=false', '--log=error', '--header-insertion=never', '--pch-storage=memory'];
    if (o.compileCommandsDir !== undefined) args.push(`--compile-commands-dir=${o.compileCommandsDir}`);
    const child = spawn(o.clangd, args, { cwd: o.kernelsDir, env: o.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    // clangd exits when its stdin closes, so a forgotten server never outlives this process,
    // and it never keeps this process alive.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as Socket).unref?.();
    child.stderr.resume();
    const started = new Promise<void>((resolvePromise, reject) => {
      child.once('spawn', () => resolvePromise());
      child.on('error', reject); // later errors (a failed kill) change nothing: the exit event tells
    });
    await started;
    const server = new ClangdServer(child, new RpcConnection(child));
    let timer: NodeJS.Timeout | undefined;
    try {
      const hung = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${INITIALIZE_MS / 1000} s`)), INITIALIZE_MS);
      });
      await Promise.race([hung, server.rpc.request('initialize', {
        processId: process.pid,
        clientInfo: { name: 'auton' },
        rootUri: pathToFileURL(o.kernelsDir).href,
        capabilities: { textDocument: { publishDiagnostics: { versionSupport: true, relatedInformation: true } } },
      })]);
      server.rpc.notify('initialized', {});
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`clangd did not initialize: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
    }
    return server;
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  /**
   * clangd's diagnostics for `file` with content `text` (what was just written to disk), or
   * 'timeout' when they do not come within `waitMs`. The file is opened for the check and
   * closed after it, so every check reads the headers as they are on disk now.
   */
  check(file: string, text: string, waitMs: number, signal?: AbortSignal): Promise<CDiagnostic[] | 'timeout'> {
    const uri = pathToFileURL(file).href;
    const previous = this.queues.get(uri) ?? Promise.resolve();
    const run = previous.then(() => this.checkNow(uri, text, waitMs, signal));
    const settled = run.catch(() => undefined);
    this.queues.set(uri, settled);
    void settled.then(() => {
      if (this.queues.get(uri) === settled) this.queues.delete(uri);
    });
    return run;
  }

  private async checkNow(uri: string, text: string, waitMs: number, signal?: AbortSignal): Promise<CDiagnostic[] | 'timeout'> {
    if (this.exited) throw this.exited;
    const version = ++this.version;
    const key = keyOf(uri);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const answer = new Promise<CDiagnostic[] | 'timeout'>((resolvePromise, reject) => {
      this.waiters.set(key, { version, resolve: resolvePromise, reject });
      timer = setTimeout(() => resolvePromise('timeout'), waitMs);
      onAbort = () => resolvePromise('timeout');
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    this.rpc.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version, text } });
    try {
      return await answer;
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      if (this.waiters.get(key)?.version === version) this.waiters.delete(key);
      this.rpc.notify('textDocument/didClose', { textDocument: { uri } });
    }
  }

  private published(params: PublishDiagnosticsParams): void {
    const key = keyOf(params.uri);
    const waiter = this.waiters.get(key);
    // Only the version just opened answers: not an older one, nor the empty set without a
    // version clangd sends when a file closes. (clangd 11 and newer send versions.)
    if (!waiter || params.version !== waiter.version) return;
    this.waiters.delete(key);
    waiter.resolve(params.diagnostics.map((d) => ({
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
      severity: SEVERITIES[(d.severity ?? 1) - 1] ?? 'error',
      message: asClangWrites(d.message),
      related: (d.relatedInformation ?? []).map((r) => ({
        file: keyOf(r.location.uri),
        line: r.location.range.start.line + 1,
        column: r.location.range.start.character + 1,
        message: asClangWrites(r.message),
      })),
    })));
  }

  /** shutdown + exit, then SIGKILL if clangd is still there after a moment. */
  async stop(): Promise<void> {
    if (this.exited) return;
    // Bounded waits, with timers that keep this process alive until clangd is gone (its pipes do not).
    const within = async (promise: Promise<unknown>, ms: number) => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([promise.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
      clearTimeout(timer);
    };
    await within(this.rpc.request('shutdown', null), 2000);
    this.rpc.notify('exit', null);
    this.child.stdin.end();
    await within(this.exitPromise, 2000);
    if (!this.exited) {
      this.child.kill('SIGKILL');
      await this.exitPromise;
    }
  }
}

/** clangd capitalizes clang's messages ("Use of undeclared..."); agents know them as clang prints them. */
function asClangWrites(message: string): string {
  return /^[A-Z][a-z]/.test(message) ? message[0]!.toLowerCase() + message.slice(1) : message;
}

/** The same file whatever way clangd spells its URI (it may percent-encode differently). */
function keyOf(uri: string): string {
  try {
    return resolve(fileURLToPath(uri));
  } catch {
    return uri;
  }
}

// ---- a clangd per worktree ----------------------------------------------------

export interface ClangdPoolOptions {
  /** Environment for finding and running clangd and make (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** How long one check waits for diagnostics, clangd's start included (default 10 s). */
  waitMs?: number;
  /** At most this many clangd at once; the least recently used stops first (default 8). */
  maxServers?: number;
  /** One line per notable event (clangd missing, started, failed). */
  log?: (line: string) => void;
}

interface Entry {
  arch: Arch;
  generation: number;
  server: Promise<ClangdServer | undefined>;
  used: number;
}

/** After this many starts in one worktree (each crash costs one), clangd is not tried there again. */
const MAX_STARTS = 3;

/**
 * clangd per worktree (repository root holding kernels/): started on the first check there,
 * for the first of the task's arches, and all stopped by `close`.
 */
export class ClangdPool {
  private readonly servers = new Map<string, Entry>();
  private readonly starts = new Map<string, number>();
  private clangd: string | undefined | null = null;
  /** Incremented by `close`: servers of an older generation are stopped as soon as they start. */
  private generation = 0;
  private clock = 0;
  /** Start durations in ms, newest last (for figures). */
  readonly startupMs: number[] = [];

  constructor(private readonly o: ClangdPoolOptions = {}) {}

  /**
   * clangd's diagnostics for `rel` (a path under kernels/ relative to `root`) whose new content
   * is `text`. Never throws: what cannot be checked is 'unavailable'.
   */
  async check(root: string, rel: string, text: string, o: { arches?: readonly string[]; signal?: AbortSignal } = {}): Promise<CheckResult> {
    const deadline = Date.now() + (this.o.waitMs ?? 10_000);
    // A clangd that died since the last check (crashed, or was killed) is started again, once.
    for (let attempt = 1; ; attempt++) {
      const entry = this.entry(root, o.arches);
      if (!entry) return { kind: 'unavailable' };
      const server = await raceDeadline(entry.server, deadline, o.signal);
      if (server === 'timeout') return { kind: 'timeout' };
      if (!server) return { kind: 'unavailable' };
      try {
        const diagnostics = await server.check(join(root, rel), text, Math.max(0, deadline - Date.now()), o.signal);
        return diagnostics === 'timeout' ? { kind: 'timeout' } : { kind: 'diagnostics', diagnostics };
      } catch (error) {
        if (this.servers.get(root) === entry) this.servers.delete(root);
        if (entry.generation !== this.generation) return { kind: 'unavailable' }; // closed meanwhile
        const again = attempt === 1 && !o.signal?.aborted;
        this.o.log?.(`clangd for ${root} stopped unexpectedly (${error instanceof Error ? error.message : String(error)})${again ? '; starting it again' : ''}`);
        if (!again) return { kind: 'unavailable' };
      }
    }
  }

  /** Stops every clangd (a later check starts its worktree's again). */
  async close(): Promise<void> {
    this.generation++;
    this.starts.clear();
    const entries = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(entries.map(async (e) => (await e.server)?.stop()));
  }

  /** How many clangd are running or starting. */
  get size(): number {
    return this.servers.size;
  }

  private entry(root: string, arches: readonly string[] | undefined): Entry | undefined {
    const existing = this.servers.get(root);
    if (existing) {
      existing.used = ++this.clock;
      return existing;
    }
    if (this.clangd === null) {
      this.clangd = which('clangd', this.o.env?.PATH ?? process.env.PATH ?? '');
      if (this.clangd === undefined) this.o.log?.('clangd is not installed (Debian package "clangd"): agents get no C diagnostics after their edits');
    }
    const clangd = this.clangd;
    if (clangd === undefined) return undefined;
    const starts = this.starts.get(root) ?? 0;
    if (starts >= MAX_STARTS) return undefined;
    this.starts.set(root, starts + 1);
    const arch = (arches ?? []).find(isArch) ?? 'x86_64';
    const entry: Entry = { arch, generation: this.generation, used: ++this.clock, server: this.start(clangd, root, arch, this.generation) };
    this.servers.set(root, entry);
    void entry.server.then((server) => {
      if (!server && this.servers.get(root) === entry) this.servers.delete(root);
    });
    this.evict();
    return entry;
  }

  private async start(clangd: string, root: string, arch: Arch, generation: number): Promise<ClangdServer | undefined> {
    const began = Date.now();
    try {
      const db = await ensureCompileCommands(root, arch, this.o.env);
      const server = await ClangdServer.start({ clangd, kernelsDir: kernelDir(root), compileCommandsDir: db ? dirname(db) : undefined, env: this.o.env });
      const ms = Date.now() - began;
      this.startupMs.push(ms);
      this.o.log?.(`clangd started for ${root} (${arch}${db ? '' : ', no compile_commands.json: make compile-db failed'}) in ${ms} ms`);
      if (generation !== this.generation) {
        await server.stop();
        return undefined;
      }
      return server;
    } catch (error) {
      this.o.log?.(`clangd could not start for ${root}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  private evict(): void {
    const max = Math.max(1, this.o.maxServers ?? 8);
    while (this.servers.size > max) {
      const [root, oldest] = [...this.servers.entries()].reduce((a, b) => (b[1].used < a[1].used ? b : a));
      this.servers.delete(root);
      this.starts.delete(root);
      void oldest.server.then((s) => s?.stop());
    }
  }
}

function raceDeadline<T>(promise: Promise<T>, deadline: number, signal?: AbortSignal): Promise<T | 'timeout'> {
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => done('timeout'), Math.max(0, deadline - Date.now()));
    const onAbort = () => done('timeout');
    signal?.addEventListener('abort', onAbort, { once: true });
    function done(value: T | 'timeout') {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolvePromise(value);
    }
    promise.then(done, () => done('timeout'));
  });
}

/**
 * The arch's compile_commands.json in this worktree, written by `make compile-db` when missing
 * (the Makefile writes it while reading itself, so this compiles nothing). Undefined if make
 * could not write it.
 */
export async function ensureCompileCommands(root: string, arch: Arch, env?: NodeJS.ProcessEnv): Promise<string | undefined> {
  const db = artifactsFor(root, arch).compileCommands;
  if (existsSync(db)) return db;
  if (!existsSync(join(kernelDir(root), 'Makefile'))) return undefined;
  await new Promise<void>((resolvePromise) => {
    const child = spawn('make', ['-C', kernelDir(root), `ARCH=${arch}`, 'compile-db'], { env: env ?? process.env, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', () => resolvePromise());
    child.on('close', () => {
      clearTimeout(timer);
      resolvePromise();
    });
  });
  return existsSync(db) ? db : undefined;
}
