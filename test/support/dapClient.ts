/**
 * A small Debug Adapter Protocol client for tests: frames messages with Content-Length
 * headers over any pair of streams (an adapter's stdio), matches responses to requests and
 * queues events so a test can wait for "the next stopped event" without racing it.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';

export class DapError extends Error {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(`${command}: ${message}`);
    this.name = 'DapError';
  }
}

interface Waiter {
  readonly event: string;
  readonly resolve: (event: DebugProtocol.Event) => void;
}

export class DapClient {
  private sequence = 1;
  private buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, { command: string; resolve: (r: DebugProtocol.Response) => void; reject: (e: Error) => void }>();
  private readonly queued: DebugProtocol.Event[] = [];
  private readonly waiters: Waiter[] = [];
  /** Every output event's text, in order, by category. */
  readonly output: Record<string, string> = {};
  /** Every message, both ways, for a failing test to print. */
  readonly transcript: string[] = [];

  constructor(
    input: NodeJS.ReadableStream,
    private readonly outputStream: NodeJS.WritableStream,
  ) {
    input.on('data', (chunk: Buffer) => this.receive(chunk));
    input.on('end', () => {
      for (const [, pending] of this.pending) {
        pending.reject(new DapError(pending.command, 'the adapter closed its output before answering'));
      }
      this.pending.clear();
    });
  }

  request<C extends keyof Requests>(command: C, args?: Requests[C][0]): Promise<Requests[C][1]>;
  request(command: string, args?: unknown): Promise<DebugProtocol.Response> {
    const seq = this.sequence++;
    const message: DebugProtocol.Request = { seq, type: 'request', command, arguments: args };
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { command, resolve, reject });
      this.send(message);
    });
  }

  /** The first not yet taken event of this kind (waiting for it when none has come). */
  event<E extends keyof Events>(name: E, timeoutMs = 60_000): Promise<Events[E]> {
    const index = this.queued.findIndex((e) => e.event === name);
    if (index >= 0) {
      return Promise.resolve(this.queued.splice(index, 1)[0] as Events[E]);
    }
    return new Promise<Events[E]>((resolve, reject) => {
      const waiter: Waiter = { event: name, resolve: (e) => resolve(e as Events[E]) };
      this.waiters.push(waiter);
      setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) {
          this.waiters.splice(at, 1);
          reject(new Error(`no "${name}" event within ${timeoutMs / 1000} s`));
        }
      }, timeoutMs).unref();
    });
  }

  /** Resolves once the output of `category` matches `pattern`. */
  async outputMatching(pattern: RegExp, category = 'stdout', timeoutMs = 60_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    while (!pattern.test(this.output[category] ?? '')) {
      if (Date.now() > end) {
        throw new Error(`no ${category} output matching ${pattern} within ${timeoutMs / 1000} s; got:\n${this.output[category] ?? ''}`);
      }
      await new Promise((done) => setTimeout(done, 50));
    }
    return this.output[category] ?? '';
  }

  private send(message: DebugProtocol.ProtocolMessage): void {
    const json = JSON.stringify(message);
    this.transcript.push(`-> ${json}`);
    this.outputStream.write(`Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`);
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) {
        return;
      }
      const length = /Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString('ascii'));
      if (length === null) {
        throw new Error(`DAP message without Content-Length: ${this.buffer.toString('utf8', 0, headerEnd)}`);
      }
      const start = headerEnd + 4;
      const end = start + Number(length[1]);
      if (this.buffer.length < end) {
        return;
      }
      const json = this.buffer.toString('utf8', start, end);
      this.buffer = this.buffer.subarray(end);
      this.transcript.push(`<- ${json}`);
      this.dispatch(JSON.parse(json) as DebugProtocol.ProtocolMessage);
    }
  }

  private dispatch(message: DebugProtocol.ProtocolMessage): void {
    if (message.type === 'response') {
      const response = message as DebugProtocol.Response;
      const pending = this.pending.get(response.request_seq);
      this.pending.delete(response.request_seq);
      if (response.success) {
        pending?.resolve(response);
      } else {
        pending?.reject(new DapError(response.command, response.message ?? 'failed'));
      }
    } else if (message.type === 'event') {
      const event = message as DebugProtocol.Event;
      if (event.event === 'output') {
        const { category = 'console', output } = (event as DebugProtocol.OutputEvent).body;
        this.output[category] = (this.output[category] ?? '') + output;
        return;
      }
      const waiter = this.waiters.findIndex((w) => w.event === event.event);
      if (waiter >= 0) {
        this.waiters.splice(waiter, 1)[0]!.resolve(event);
      } else {
        this.queued.push(event);
      }
    }
  }
}

/** Request arguments and responses by command, for the requests the tests make. */
interface Requests {
  initialize: [DebugProtocol.InitializeRequestArguments, DebugProtocol.InitializeResponse];
  launch: [DebugProtocol.LaunchRequestArguments & Record<string, unknown>, DebugProtocol.LaunchResponse];
  setBreakpoints: [DebugProtocol.SetBreakpointsArguments, DebugProtocol.SetBreakpointsResponse];
  setFunctionBreakpoints: [DebugProtocol.SetFunctionBreakpointsArguments, DebugProtocol.SetFunctionBreakpointsResponse];
  configurationDone: [DebugProtocol.ConfigurationDoneArguments, DebugProtocol.ConfigurationDoneResponse];
  threads: [undefined, DebugProtocol.ThreadsResponse];
  stackTrace: [DebugProtocol.StackTraceArguments, DebugProtocol.StackTraceResponse];
  scopes: [DebugProtocol.ScopesArguments, DebugProtocol.ScopesResponse];
  variables: [DebugProtocol.VariablesArguments, DebugProtocol.VariablesResponse];
  evaluate: [DebugProtocol.EvaluateArguments, DebugProtocol.EvaluateResponse];
  continue: [DebugProtocol.ContinueArguments, DebugProtocol.ContinueResponse];
  next: [DebugProtocol.NextArguments, DebugProtocol.NextResponse];
  stepIn: [DebugProtocol.StepInArguments, DebugProtocol.StepInResponse];
  stepOut: [DebugProtocol.StepOutArguments, DebugProtocol.StepOutResponse];
  pause: [DebugProtocol.PauseArguments, DebugProtocol.PauseResponse];
  disconnect: [DebugProtocol.DisconnectArguments, DebugProtocol.DisconnectResponse];
  terminate: [DebugProtocol.TerminateArguments, DebugProtocol.TerminateResponse];
}

interface Events {
  initialized: DebugProtocol.InitializedEvent;
  stopped: DebugProtocol.StoppedEvent;
  terminated: DebugProtocol.TerminatedEvent;
  exited: DebugProtocol.ExitedEvent;
  process: DebugProtocol.ProcessEvent;
  thread: DebugProtocol.ThreadEvent;
}
