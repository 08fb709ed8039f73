/**
 * AUTON's kernel debug adapter: a Debug Adapter Protocol session that builds the kernel,
 * boots it in QEMU halted with a gdb stub (`-S -gdb`), and drives gdb-multiarch over GDB/MI.
 * One DAP thread per vCPU; Locals and Registers scopes; gdb variable objects make structs
 * expandable. QEMU and gdb never outlive the session: disconnect, terminate, the adapter's
 * own exit and a failed launch all stop them.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename } from 'node:path';
import {
  Breakpoint,
  DebugSession,
  Event,
  ExitedEvent,
  Handles,
  InitializedEvent,
  OutputEvent,
  Scope,
  Source,
  StackFrame,
  TerminatedEvent,
  Thread,
  ThreadEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { PROFILES } from '../kernel/arches';
import { buildKernel } from '../kernel/build';
import { bootKernel, type BootResult } from '../kernel/qemu';
import { checkToolchain, which } from '../kernel/toolchain';
import { Gdb, GdbError, type AsyncRecord, type MiResult, type StreamRecord } from './gdb';
import { checkBuilt, DEFAULT_GDB, LaunchError, resolveLaunch, type KernelLaunch, type KernelLaunchArguments } from './launchConfig';
import { miList, miNumber, miQuote, miString, miTuple, miTuples, type MiTuple } from './mi';

type LaunchRequestArguments = DebugProtocol.LaunchRequestArguments & KernelLaunchArguments;

interface FrameRef {
  readonly thread: number;
  readonly level: number;
}

type VariablesRef =
  | { readonly kind: 'locals'; readonly frame: FrameRef }
  | { readonly kind: 'registers'; readonly frame: FrameRef }
  /** A gdb variable object whose children are listed on demand. */
  | { readonly kind: 'varobj'; readonly name: string; readonly frame: FrameRef };

interface VariableView {
  readonly value: string;
  readonly type?: string;
  readonly variablesReference: number;
}

interface RegisterName {
  readonly number: number;
  readonly name: string;
}

interface Qemu {
  readonly abort: AbortController;
  /** Settles once QEMU has exited and been reported. */
  done?: Promise<BootResult>;
  pid?: number;
  finished?: BootResult;
}

/** QEMU runs as long as the session does; this only bounds a forgotten one. */
const QEMU_LIFETIME_MS = 24 * 60 * 60 * 1000;
const CONNECT_TIMEOUT_MS = 15_000;
const MAX_STACK_DEPTH = 256;

export class KernelDebugSession extends DebugSession {
  private launch: KernelLaunch | undefined;
  private gdb: Gdb | undefined;
  private qemu: Qemu | undefined;
  /** True from the first resume on: the halt QEMU starts in is not shown as a stop. */
  private started = false;
  private running = false;
  private lastStoppedThread = 1;
  private threads: DebugProtocol.Thread[] = [];
  private registerNames: RegisterName[] = [];
  private readonly frames = new Handles<FrameRef>();
  private readonly references = new Handles<VariablesRef>();
  /** Root variable objects made since the last stop; deleted before the kernel runs again. */
  private varObjects: string[] = [];
  private readonly sourceBreakpoints = new Map<string, number[]>();
  private functionBreakpoints: number[] = [];
  private entryBreakpoint: number | undefined;
  /** Set while the adapter itself halts the kernel (to change breakpoints): that stop stays silent. */
  private silentStop: (() => void) | undefined;
  /** Breakpoint and resume work one at a time, so a silent halt never interleaves with another. */
  private exclusive: Promise<unknown> = Promise.resolve();
  private tornDown: Promise<void> | undefined;
  private readonly killOnExit = () => this.killNow();

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    process.on('exit', this.killOnExit);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsEvaluateForHovers: true,
      supportsTerminateRequest: true,
      supportTerminateDebuggee: true,
      supportsSteppingGranularity: true,
    };
    this.sendResponse(response);
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchRequestArguments): void {
    void this.launchKernel(response, args);
  }

  private async launchKernel(response: DebugProtocol.LaunchResponse, args: LaunchRequestArguments): Promise<void> {
    try {
      const launch = resolveLaunch(args);
      this.launch = launch;
      if (launch.build) {
        await this.build(launch);
      }
      checkBuilt(launch);
      this.checkGdb(launch);
      const port = await freePort();
      this.startQemu(launch, port);
      await this.startGdb(launch, port);
      this.sendEvent(new InitializedEvent());
      this.sendResponse(response);
    } catch (error) {
      await this.teardown();
      this.fail(response, error);
    }
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.handle(response, async () => {
      const launch = this.requireLaunch();
      if (launch.stopAtEntry) {
        const entry = await this.gdbSend(`-break-insert -t ${miQuote(launch.entry)}`);
        this.entryBreakpoint = miNumber(miTuple(entry.results.bkpt)?.number);
      }
      this.started = true;
      await this.resume('-exec-continue');
    });
  }

  protected override setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): void {
    this.handle(response, async () => {
      const path = args.source.path;
      if (path === undefined) {
        response.body = { breakpoints: (args.breakpoints ?? []).map(() => unverified('only breakpoints in files are supported')) };
        return;
      }
      const file = this.convertClientPathToDebugger(path);
      response.body = {
        breakpoints: await this.whileHalted(async () => {
          await this.deleteBreakpoints(this.sourceBreakpoints.get(file) ?? []);
          const placed: DebugProtocol.Breakpoint[] = [];
          const numbers: number[] = [];
          for (const wanted of args.breakpoints ?? []) {
            const line = this.convertClientLineToDebugger(wanted.line);
            const breakpoint = await this.insertBreakpoint(`${file}:${line}`, wanted.condition, wanted.hitCondition);
            if (breakpoint.id !== undefined) {
              numbers.push(breakpoint.id);
            }
            placed.push(breakpoint);
          }
          this.sourceBreakpoints.set(file, numbers);
          return placed;
        }),
      };
    });
  }

  protected override setFunctionBreakPointsRequest(
    response: DebugProtocol.SetFunctionBreakpointsResponse,
    args: DebugProtocol.SetFunctionBreakpointsArguments,
  ): void {
    this.handle(response, async () => {
      response.body = {
        breakpoints: await this.whileHalted(async () => {
          await this.deleteBreakpoints(this.functionBreakpoints);
          const placed = [];
          for (const wanted of args.breakpoints) {
            placed.push(await this.insertBreakpoint(wanted.name, wanted.condition, wanted.hitCondition));
          }
          this.functionBreakpoints = placed.flatMap((b) => (b.id === undefined ? [] : [b.id]));
          return placed;
        }),
      };
    });
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    this.handle(response, async () => {
      if (!this.running && this.gdb !== undefined) {
        await this.refreshThreads();
      }
      response.body = { threads: this.threads.length > 0 ? this.threads : [new Thread(1, 'CPU#0')] };
    });
  }

  protected override stackTraceRequest(
    response: DebugProtocol.StackTraceResponse,
    args: DebugProtocol.StackTraceArguments,
  ): void {
    this.handle(response, async () => {
      this.requireHalted();
      const thread = args.threadId;
      const depth = miNumber((await this.gdbSend(`-stack-info-depth --thread ${thread} ${MAX_STACK_DEPTH}`)).results.depth) ?? 0;
      const first = args.startFrame ?? 0;
      const last = Math.min(depth, args.levels ? first + args.levels : depth) - 1;
      const frames =
        last < first
          ? []
          : miTuples((await this.gdbSend(`-stack-list-frames --thread ${thread} ${first} ${last}`)).results.stack);
      response.body = {
        stackFrames: frames.map((frame) => this.stackFrame(thread, frame)),
        totalFrames: depth,
      };
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const frame = this.frames.get(args.frameId) as FrameRef | undefined;
    if (frame === undefined) {
      // A frame from before the kernel last ran: it no longer exists.
      response.body = { scopes: [] };
      this.sendResponse(response);
      return;
    }
    const locals = new Scope('Locals', this.references.create({ kind: 'locals', frame }), false);
    const registers = new Scope('Registers', this.references.create({ kind: 'registers', frame }), false);
    response.body = {
      scopes: [
        { ...locals, presentationHint: 'locals' },
        { ...registers, presentationHint: 'registers' },
      ],
    };
    this.sendResponse(response);
  }

  protected override variablesRequest(
    response: DebugProtocol.VariablesResponse,
    args: DebugProtocol.VariablesArguments,
  ): void {
    this.handle(response, async () => {
      this.requireHalted();
      const ref = this.references.get(args.variablesReference) as VariablesRef | undefined;
      let variables: DebugProtocol.Variable[];
      switch (ref?.kind) {
        case 'locals':
          variables = await this.locals(ref.frame);
          break;
        case 'registers':
          variables = await this.registers(ref.frame);
          break;
        case 'varobj':
          variables = await this.children(ref.name, ref.frame);
          break;
        default:
          variables = [];
      }
      response.body = { variables };
    });
  }

  protected override evaluateRequest(
    response: DebugProtocol.EvaluateResponse,
    args: DebugProtocol.EvaluateArguments,
  ): void {
    this.handle(response, async () => {
      this.requireHalted();
      const given = args.frameId === undefined ? undefined : (this.frames.get(args.frameId) as FrameRef | undefined);
      const frame = given ?? { thread: this.lastStoppedThread, level: 0 };
      const command = /^-exec\s+(.*)$/s.exec(args.expression);
      if (args.context === 'repl' && command !== null) {
        // A gdb CLI command typed in the debug console, e.g. `-exec info registers`.
        const result = await this.gdbSend(this.inFrame('-interpreter-exec', frame, 'console', miQuote(command[1]!)));
        response.body = { result: result.console.trimEnd(), variablesReference: 0 };
        return;
      }
      // gdb's own evaluation first: its errors say what is wrong ("No symbol ... in current context").
      const printed = await this.gdbSend(this.inFrame('-data-evaluate-expression', frame, miQuote(args.expression)));
      const text = miString(printed.results.value) ?? '';
      // A variable object gives the type and makes structs, arrays and pointers expandable.
      const object = await this.createVarObject(args.expression, frame).catch(() => undefined);
      // The console shows what gdb's `print` shows; watches and hovers the compact form ("{...}").
      const compact = args.context === 'watch' || args.context === 'hover' || args.context === 'variables';
      response.body = {
        result: compact && object !== undefined ? object.value : text,
        type: object?.type,
        variablesReference: object?.variablesReference ?? 0,
      };
    });
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.handle(response, async () => {
      await this.resume('-exec-continue');
      response.body = { allThreadsContinued: true };
    });
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    const command = args.granularity === 'instruction' ? '-exec-next-instruction' : '-exec-next';
    this.handle(response, () => this.resume(`${command} --thread ${args.threadId}`));
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    const command = args.granularity === 'instruction' ? '-exec-step-instruction' : '-exec-step';
    this.handle(response, () => this.resume(`${command} --thread ${args.threadId}`));
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.handle(response, () => this.resume(`-exec-finish --thread ${args.threadId} --frame 0`));
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.handle(response, async () => {
      if (this.running) {
        await this.gdbSend('-exec-interrupt');
      }
    });
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    void this.teardown().then(() => {
      this.sendResponse(response);
      this.shutdown();
    });
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    void this.teardown().then(() => {
      this.sendResponse(response);
      this.sendEvent(new TerminatedEvent());
    });
  }

  // ---- launch ----

  private async build(launch: KernelLaunch): Promise<void> {
    const root = launch.root!;
    this.console(`Building the ${launch.arch} kernel in ${root}/kernels ...\n`);
    const result = await buildKernel({ root, arch: launch.arch, onOutput: (text) => this.console(text) });
    if (!result.ok) {
      throw new LaunchError(result.message);
    }
    this.console(`${result.message}\n`);
  }

  private checkGdb(launch: KernelLaunch): void {
    if (launch.gdbPath === DEFAULT_GDB) {
      const report = checkToolchain([launch.arch], ['debug']);
      if (!report.ok) {
        throw new LaunchError(`${DEFAULT_GDB} is not installed; it debugs every kernel architecture. Install it with \`${report.installCommand}\`.`);
      }
    } else if (!existsSync(launch.gdbPath) && which(launch.gdbPath) === undefined) {
      throw new LaunchError(`"gdbPath": ${launch.gdbPath} was not found. Leave it out to use ${DEFAULT_GDB} (Debian package gdb-multiarch).`);
    }
  }

  private startQemu(launch: KernelLaunch, port: number): void {
    const qemu: Qemu = { abort: new AbortController() };
    this.qemu = qemu;
    const done = bootKernel({
      arch: launch.arch,
      kernel: launch.image,
      cmdline: launch.cmdline,
      memory: launch.memory,
      cpus: launch.cpus,
      extraArgs: [...launch.qemuArgs],
      gdbPort: port,
      timeoutMs: QEMU_LIFETIME_MS,
      signal: qemu.abort.signal,
      onStart: (pid) => {
        qemu.pid = pid;
        this.sendEvent(
          new Event('process', {
            name: `${PROFILES[launch.arch].qemu} (${basename(launch.image)})`,
            systemProcessId: pid,
            isLocalProcess: true,
            startMethod: 'launch',
          } satisfies DebugProtocol.ProcessEvent['body']),
        );
      },
      onLine: (line) => this.sendEvent(new OutputEvent(`${line}\n`, 'stdout')),
    });
    qemu.done = done.then((result) => {
      qemu.finished = result;
      this.qemuExited(result);
      return result;
    });
  }

  private async startGdb(launch: KernelLaunch, port: number): Promise<void> {
    this.gdb = await Gdb.start({
      path: launch.gdbPath,
      cwd: launch.root,
      listeners: {
        onAsync: (record) => this.onAsync(record),
        onStream: (record) => this.onStream(record),
        onExit: (code, signal) => this.gdbExited(code, signal),
      },
      trace: launch.trace ? (line) => this.console(`${line}\n`) : undefined,
    });
    for (const command of [
      // Commands keep flowing while the kernel runs: pause and breakpoint changes need that.
      '-gdb-set mi-async on',
      '-gdb-set pagination off',
      '-gdb-set confirm off',
      `-file-exec-and-symbols ${miQuote(launch.kernel)}`,
      `-gdb-set architecture ${launch.gdbArch}`,
    ]) {
      await this.gdbSend(command);
    }
    await this.connect(port);
    this.registerNames = miList((await this.gdbSend('-data-list-register-names')).results['register-names']).flatMap(
      (name, number) => (typeof name === 'string' && name !== '' ? [{ number, name }] : []),
    );
    await this.refreshThreads();
  }

  /** QEMU opens its gdb port a moment after it starts: try until it answers or QEMU gives up. */
  private async connect(port: number): Promise<void> {
    const deadline = Date.now() + CONNECT_TIMEOUT_MS;
    for (;;) {
      const finished = this.qemu?.finished;
      if (finished !== undefined) {
        throw new LaunchError(qemuFailure(finished));
      }
      try {
        await this.gdbSend(`-target-select remote 127.0.0.1:${port}`);
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new LaunchError(`gdb could not reach QEMU's gdb stub on port ${port}: ${errorMessage(error)}`);
        }
      }
      await sleep(100);
    }
  }

  // ---- gdb events ----

  private onAsync(record: AsyncRecord): void {
    if (record.type === 'exec' && record.asyncClass === 'running') {
      this.running = true;
    } else if (record.type === 'exec' && record.asyncClass === 'stopped') {
      this.running = false;
      this.onStopped(record.results);
    } else if (record.type === 'notify' && (record.asyncClass === 'thread-created' || record.asyncClass === 'thread-exited')) {
      const id = miNumber(record.results.id);
      if (id !== undefined && this.started) {
        this.sendEvent(new ThreadEvent(record.asyncClass === 'thread-created' ? 'started' : 'exited', id));
      }
    }
  }

  private onStopped(results: MiTuple): void {
    const reason = miString(results.reason);
    if (reason?.startsWith('exited') === true) {
      // The remote side went away (QEMU quit); qemuExited reports how.
      return;
    }
    const silent = this.silentStop;
    if (silent !== undefined) {
      this.silentStop = undefined;
      silent();
      return;
    }
    if (!this.started) {
      return;
    }
    this.invalidate();
    const thread = miNumber(results['thread-id']) ?? this.lastStoppedThread;
    this.lastStoppedThread = thread;
    const hit = miNumber(results.bkptno);
    let dapReason: DebugProtocol.StoppedEvent['body']['reason'];
    let text: string | undefined;
    switch (reason) {
      case 'breakpoint-hit':
        dapReason =
          hit !== undefined && hit === this.entryBreakpoint
            ? 'entry'
            : hit !== undefined && this.functionBreakpoints.includes(hit)
              ? 'function breakpoint'
              : 'breakpoint';
        break;
      case 'end-stepping-range':
      case 'function-finished':
      case 'location-reached':
        dapReason = 'step';
        break;
      case 'watchpoint-trigger':
      case 'read-watchpoint-trigger':
      case 'access-watchpoint-trigger':
        dapReason = 'data breakpoint';
        break;
      case 'signal-received': {
        const signal = miString(results['signal-name']);
        dapReason = signal === 'SIGINT' || signal === '0' ? 'pause' : 'exception';
        text = dapReason === 'exception' ? `${signal}: ${miString(results['signal-meaning']) ?? ''}` : undefined;
        break;
      }
      default:
        dapReason = 'pause';
    }
    const body: DebugProtocol.StoppedEvent['body'] = { reason: dapReason, threadId: thread, allThreadsStopped: true, text };
    if (hit !== undefined && dapReason !== 'entry') {
      body.hitBreakpointIds = [hit];
    }
    this.sendEvent(new Event('stopped', body));
  }

  private onStream(record: StreamRecord): void {
    if (record.type === 'target') {
      this.sendEvent(new OutputEvent(record.text, 'stdout'));
    } else if (record.type === 'text' || (record.type === 'console' && this.started)) {
      this.console(record.type === 'text' ? `${record.text}\n` : record.text);
    } else if (record.type === 'log' && this.launch?.trace === true) {
      this.sendEvent(new OutputEvent(record.text, 'stderr'));
    }
  }

  private qemuExited(result: BootResult): void {
    if (this.tornDown !== undefined) {
      return;
    }
    this.console(`QEMU exited: ${result.message}\n`);
    if (result.stderr.trim() !== '') {
      this.sendEvent(new OutputEvent(result.stderr, 'stderr'));
    }
    if (!this.started) {
      return; // still launching: connect() reports it as the launch error
    }
    this.sendEvent(new ExitedEvent(result.exitCode ?? 0));
    this.sendEvent(new TerminatedEvent());
    void this.teardown();
  }

  private gdbExited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.tornDown !== undefined || !this.started) {
      return;
    }
    this.sendEvent(new OutputEvent(`gdb exited unexpectedly (${signal ?? `status ${code}`}); stopping QEMU.\n`, 'stderr'));
    this.sendEvent(new TerminatedEvent());
    void this.teardown();
  }

  // ---- running and halting ----

  private resume(command: string): Promise<void> {
    return this.serialized(async () => {
      this.requireHalted();
      await this.dropVarObjects();
      this.invalidate();
      await this.run(command);
    });
  }

  /**
   * Sends a command that sets the kernel going. `running` is set before it is sent: a short
   * step's `*stopped` can arrive in the same read as its `^running`, before the await returns.
   */
  private async run(command: string): Promise<void> {
    this.running = true;
    try {
      await this.gdbSend(command);
    } catch (error) {
      this.running = false;
      throw error;
    }
  }

  /** Runs `work` with the kernel halted: halts it silently first when it runs, and lets it go on after. */
  private whileHalted<T>(work: () => Promise<T>): Promise<T> {
    return this.serialized(async () => {
      if (!this.running) {
        return work();
      }
      const halted = new Promise<void>((resolve) => (this.silentStop = resolve));
      await this.gdbSend('-exec-interrupt');
      await halted;
      try {
        return await work();
      } finally {
        await this.run('-exec-continue');
      }
    });
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.exclusive.then(work, work);
    this.exclusive = next.catch(() => undefined);
    return next;
  }

  private invalidate(): void {
    this.frames.reset();
    this.references.reset();
  }

  private async dropVarObjects(): Promise<void> {
    for (const name of this.varObjects.splice(0)) {
      await this.gdbSend(`-var-delete ${name}`).catch(() => undefined);
    }
  }

  // ---- breakpoints ----

  private async insertBreakpoint(location: string, condition?: string, hitCondition?: string): Promise<DebugProtocol.Breakpoint> {
    const options: string[] = [];
    if (condition !== undefined && condition.trim() !== '') {
      options.push('-c', miQuote(condition));
    }
    if (hitCondition !== undefined && hitCondition.trim() !== '') {
      const hits = Number(hitCondition.trim());
      if (!Number.isInteger(hits) || hits < 1) {
        return unverified(`hit count "${hitCondition}" is not a whole number >= 1`);
      }
      options.push('-i', String(hits - 1));
    }
    try {
      const result = await this.gdbSend(`-break-insert ${[...options, miQuote(location)].join(' ')}`);
      return this.breakpoint(miTuple(result.results.bkpt) ?? {});
    } catch (error) {
      return unverified(`${errorMessage(error)} (not in the ${this.launch?.arch ?? ''} kernel)`);
    }
  }

  private breakpoint(bkpt: MiTuple): DebugProtocol.Breakpoint {
    // Several locations (an inlined function) list each under `locations`; the first stands for all.
    const location = miTuples(bkpt.locations)[0] ?? bkpt;
    const address = miString(location.addr);
    const pending = address === undefined || address === '<PENDING>';
    const line = miNumber(location.line);
    const fullname = miString(location.fullname);
    const placed = new Breakpoint(
      !pending,
      line === undefined ? undefined : this.convertDebuggerLineToClient(line),
      undefined,
      fullname === undefined ? undefined : this.source(fullname),
    ) as DebugProtocol.Breakpoint;
    placed.id = miNumber(bkpt.number);
    if (!pending) {
      placed.instructionReference = address;
    } else {
      placed.message = 'not (yet) in the kernel image';
    }
    return placed;
  }

  private async deleteBreakpoints(numbers: readonly number[]): Promise<void> {
    if (numbers.length > 0) {
      await this.gdbSend(`-break-delete ${numbers.join(' ')}`);
    }
  }

  // ---- threads, frames, variables ----

  private async refreshThreads(): Promise<void> {
    const info = await this.gdbSend('-thread-info');
    this.threads = miTuples(info.results.threads)
      .map((thread) => {
        const id = miNumber(thread.id) ?? 0;
        // QEMU names each vCPU in `details` ("CPU#1 [halted ]").
        const details = miString(thread.details)?.replace(/\s*\[.*$/, '');
        return new Thread(id, details || miString(thread['target-id']) || `CPU ${id}`);
      })
      .sort((a, b) => a.id - b.id);
  }

  private stackFrame(thread: number, frame: MiTuple): DebugProtocol.StackFrame {
    const level = miNumber(frame.level) ?? 0;
    const fullname = miString(frame.fullname);
    const line = miNumber(frame.line);
    const address = miString(frame.addr);
    const name = miString(frame.func) ?? '??';
    const source = fullname !== undefined && existsSync(fullname) ? this.source(fullname) : undefined;
    const stackFrame = new StackFrame(
      this.frames.create({ thread, level }),
      name === '??' && address !== undefined ? address : name,
      source,
      line === undefined ? 0 : this.convertDebuggerLineToClient(line),
      1,
    );
    stackFrame.instructionPointerReference = address;
    if (source === undefined) {
      stackFrame.presentationHint = 'subtle';
    }
    return stackFrame;
  }

  private source(fullname: string): Source {
    return new Source(basename(fullname), this.convertDebuggerPathToClient(fullname));
  }

  private async locals(frame: FrameRef): Promise<DebugProtocol.Variable[]> {
    let listed: MiTuple[];
    try {
      const result = await this.gdbSend(this.inFrame('-stack-list-variables', frame, '--no-values'));
      listed = miTuples(result.results.variables);
    } catch {
      return []; // a frame without debug information (assembly) has no variables
    }
    const variables: DebugProtocol.Variable[] = [];
    for (const variable of listed) {
      const name = miString(variable.name);
      if (name === undefined) {
        continue;
      }
      try {
        const object = await this.createVarObject(name, frame);
        variables.push({ name, value: object.value, type: object.type, variablesReference: object.variablesReference, evaluateName: name });
      } catch (error) {
        variables.push({ name, value: `<${errorMessage(error)}>`, variablesReference: 0 });
      }
    }
    return variables;
  }

  private async createVarObject(expression: string, frame: FrameRef): Promise<VariableView> {
    const result = await this.gdbSend(this.inFrame('-var-create', frame, '-', '*', miQuote(expression)));
    const name = miString(result.results.name);
    if (name !== undefined) {
      this.varObjects.push(name);
    }
    return this.varObjectView(result.results, frame, name, expression);
  }

  /**
   * How a variable object shows: its value, its type, and a reference to expand it when it
   * has children. gdb gives a char array's value as "[64]"; the text in it is what helps.
   */
  private async varObjectView(object: MiTuple, frame: FrameRef, name: string | undefined, expression?: string): Promise<VariableView> {
    const children = miNumber(object.numchild) ?? 0;
    const dynamic = miString(object.dynamic) === '1' && miString(object.has_more) === '1';
    const type = miString(object.type);
    let value = miString(object.value) ?? '';
    if (name !== undefined && /^\[\d+\]$/.test(value) && type !== undefined && /\bchar \[\d+\]$/.test(type)) {
      try {
        const path = expression ?? miString((await this.gdbSend(`-var-info-path-expression ${name}`)).results.path_expr);
        if (path !== undefined) {
          value = miString((await this.gdbSend(this.inFrame('-data-evaluate-expression', frame, miQuote(path)))).results.value) ?? value;
        }
      } catch {
        // keep gdb's "[N]"
      }
    }
    return {
      value,
      type,
      variablesReference: name !== undefined && (children > 0 || dynamic) ? this.references.create({ kind: 'varobj', name, frame }) : 0,
    };
  }

  private async children(name: string, frame: FrameRef): Promise<DebugProtocol.Variable[]> {
    const result = await this.gdbSend(`-var-list-children --all-values ${miQuote(name)}`);
    const variables: DebugProtocol.Variable[] = [];
    for (const child of miTuples(result.results.children)) {
      const view = await this.varObjectView(child, frame, miString(child.name));
      variables.push({ name: miString(child.exp) ?? '?', ...view });
    }
    return variables;
  }

  /** An MI command run in a given thread and frame. */
  private inFrame(command: string, frame: FrameRef, ...parameters: string[]): string {
    return [command, '--thread', String(frame.thread), '--frame', String(frame.level), ...parameters].join(' ');
  }

  private async registers(frame: FrameRef): Promise<DebugProtocol.Variable[]> {
    const shown = PROFILES[this.requireLaunch().arch].gdbRegisters;
    const wanted = this.registerNames.filter((r) => shown.test(r.name));
    const values = new Map<number, string>();
    const read = async (numbers: readonly number[]) => {
      const result = await this.gdbSend(this.inFrame('-data-list-register-values', frame, '--skip-unavailable', 'x', ...numbers.map(String)));
      for (const entry of miTuples(result.results['register-values'])) {
        const number = miNumber(entry.number);
        const value = miString(entry.value);
        if (number !== undefined && value !== undefined) {
          values.set(number, value);
        }
      }
    };
    try {
      await read(wanted.map((r) => r.number));
    } catch {
      // One register the stub cannot read fails the whole list: read them one by one.
      for (const register of wanted) {
        await read([register.number]).catch(() => undefined);
      }
    }
    return wanted.flatMap((r) => {
      const value = values.get(r.number);
      return value === undefined ? [] : [{ name: r.name, value, variablesReference: 0, evaluateName: `$${r.name}` }];
    });
  }

  // ---- plumbing ----

  private gdbSend(command: string): Promise<MiResult> {
    if (this.gdb === undefined) {
      return Promise.reject(new LaunchError('gdb is not running: the kernel debug session has not started'));
    }
    return this.gdb.send(command);
  }

  private requireLaunch(): KernelLaunch {
    if (this.launch === undefined) {
      throw new LaunchError('the kernel debug session has not been launched');
    }
    return this.launch;
  }

  private requireHalted(): void {
    if (this.running) {
      throw new LaunchError('the kernel is running: pause it first');
    }
  }

  /** Answers a request once `work` is done, or with its error as a message for the user. */
  private handle(response: DebugProtocol.Response, work: () => Promise<void>): void {
    work().then(
      () => this.sendResponse(response),
      (error: unknown) => this.fail(response, error),
    );
  }

  private fail(response: DebugProtocol.Response, error: unknown): void {
    this.sendErrorResponse(response, { id: 1, format: errorMessage(error), variables: {}, showUser: true });
  }

  private console(text: string): void {
    this.sendEvent(new OutputEvent(text, 'console'));
  }

  /** Stops QEMU, then gdb; safe to call any number of times. */
  private teardown(): Promise<void> {
    this.tornDown ??= (async () => {
      process.off('exit', this.killOnExit);
      const qemu = this.qemu;
      if (qemu !== undefined) {
        qemu.abort.abort();
        await qemu.done;
      }
      await this.gdb?.stop();
    })();
    return this.tornDown;
  }

  /** Last resort when the adapter process exits: no waiting is possible there. */
  private killNow(): void {
    if (this.qemu?.pid !== undefined && this.qemu.finished === undefined) {
      try {
        process.kill(this.qemu.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.gdb?.kill();
  }

  override shutdown(): void {
    void this.teardown().then(() => super.shutdown());
  }
}

function unverified(message: string): DebugProtocol.Breakpoint {
  const breakpoint = new Breakpoint(false) as DebugProtocol.Breakpoint;
  breakpoint.message = message;
  return breakpoint;
}

function qemuFailure(result: BootResult): string {
  return result.outcome === 'qemu-error' ? `QEMU failed to start: ${result.message}` : `QEMU stopped before gdb could attach: ${result.message}`;
}

function errorMessage(error: unknown): string {
  if (error instanceof GdbError) {
    return error.message.replace(/\.$/, '');
  }
  return error instanceof Error ? error.message : String(error);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}
