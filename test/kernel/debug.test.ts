/**
 * The kernel debug adapter against a real QEMU and gdb-multiarch on every architecture,
 * driven the way VS Code drives it: a DAP client on the adapter program's stdio. A
 * breakpoint by file:line at the kernel's C entry (kmain) is hit; stack, locals, registers
 * and expressions are read; the debugger steps over, into and out, continues to function
 * breakpoints (one set while the kernel runs), pauses, and on disconnect QEMU is gone.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { type Arch, ARCHES, artifactsFor, buildKernel } from '../../src/kernel';
import { DapClient } from '../support/dapClient';

const root = resolve(__dirname, '../..');
const mainC = join(root, 'kernels', 'core', 'main.c');
const kmainLine = readFileSync(mainC, 'utf8').split('\n').findIndex((line) => line.startsWith('void kmain(')) + 1;

/** The register that holds the program counter, as gdb names it. */
const PC: Record<Arch, string> = { x86_64: 'rip', aarch64: 'pc', riscv64: 'pc' };

interface Adapter {
  readonly process: ChildProcess;
  readonly client: DapClient;
  readonly exited: Promise<number | null>;
}

/** Starts the adapter program (src/debug/adapter.ts, what dist/debugAdapter.js bundles). */
function startAdapter(env: NodeJS.ProcessEnv = process.env): Adapter {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'debug', 'adapter.ts')], {
    cwd: root,
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { process: child, client: new DapClient(child.stdout, child.stdin), exited };
}

async function initialize(client: DapClient): Promise<DebugProtocol.Capabilities> {
  const response = await client.request('initialize', {
    adapterID: 'auton-kernel',
    clientID: 'auton-tests',
    linesStartAt1: true,
    columnsStartAt1: true,
    pathFormat: 'path',
  });
  return response.body ?? {};
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** kmain's [start, end) address from the ELF's symbol table. */
function symbolRange(elf: string, name: string): [bigint, bigint] {
  const line = execFileSync('llvm-nm', ['-S', elf], { encoding: 'utf8' })
    .split('\n')
    .find((l) => l.endsWith(` ${name}`));
  assert.ok(line, `${name} in ${elf}`);
  const [address, size] = line.split(' ');
  const start = BigInt(`0x${address}`);
  return [start, start + BigInt(`0x${size}`)];
}

for (const arch of ARCHES) {
  describe(`kernel debug adapter: ${arch} in QEMU with gdb-multiarch`, function () {
    this.timeout(120_000);
    let adapter: Adapter;
    let client: DapClient;
    let qemuPid: number;
    let thread: number;
    let kmainBreakpoint: DebugProtocol.Breakpoint;

    const topFrames = async (): Promise<DebugProtocol.StackFrame[]> =>
      (await client.request('stackTrace', { threadId: thread, startFrame: 0, levels: 20 })).body.stackFrames;
    const stopped = async (reason: string): Promise<DebugProtocol.StoppedEvent> => {
      const event = await client.event('stopped');
      assert.equal(event.body.reason, reason, JSON.stringify(event.body));
      return event;
    };

    before(async function () {
      this.timeout(300_000);
      const built = await buildKernel({ root, arch });
      assert.ok(built.ok, built.message);
      adapter = startAdapter();
      client = adapter.client;
    });

    after(async () => {
      if (adapter.process.exitCode === null) {
        adapter.process.kill('SIGTERM');
        await adapter.exited;
      }
    });

    afterEach(function () {
      if (this.currentTest?.state === 'failed') {
        console.log(client.transcript.slice(-40).join('\n'));
      }
    });

    it('launches QEMU halted with two vCPUs and verifies a file:line breakpoint in kmain at its real address', async () => {
      const capabilities = await initialize(client);
      assert.equal(capabilities.supportsConfigurationDoneRequest, true);
      assert.equal(capabilities.supportsFunctionBreakpoints, true);

      const initialized = client.event('initialized');
      await client.request('launch', { arch, root, build: false, stopAtEntry: false, cpus: 2, cmdline: 'debug=dap' });
      await initialized;
      const processEvent = await client.event('process');
      qemuPid = processEvent.body.systemProcessId!;
      assert.ok(alive(qemuPid), 'QEMU runs');

      const { breakpoints } = (await client.request('setBreakpoints', { source: { path: mainC }, breakpoints: [{ line: kmainLine }] })).body;
      assert.equal(breakpoints.length, 1);
      kmainBreakpoint = breakpoints[0]!;
      assert.equal(kmainBreakpoint.verified, true, kmainBreakpoint.message);
      // gdb moves a breakpoint on the function's opening line to its first statement.
      assert.ok(kmainBreakpoint.line! > kmainLine && kmainBreakpoint.line! < kmainLine + 5, `line ${kmainBreakpoint.line}`);
      const [start, end] = symbolRange(artifactsFor(root, arch).elf, 'kmain');
      const address = BigInt(kmainBreakpoint.instructionReference!);
      assert.ok(address >= start && address < end, `${kmainBreakpoint.instructionReference} inside kmain`);

      const missing = (await client.request('setBreakpoints', {
        source: { path: join(root, 'kernels', 'no_such_file.c') },
        breakpoints: [{ line: 3 }],
      })).body.breakpoints[0];
      assert.equal(missing?.verified, false);
      assert.match(missing?.message ?? '', /No source file named/);
    });

    it('runs to the breakpoint: one thread per vCPU, kmain on top of the stack', async () => {
      await client.request('configurationDone', {});
      const event = await stopped('breakpoint');
      assert.deepEqual(event.body.hitBreakpointIds, [kmainBreakpoint.id]);
      assert.equal(event.body.allThreadsStopped, true);
      thread = event.body.threadId!;

      const { threads } = (await client.request('threads')).body;
      assert.deepEqual(threads.map((t) => t.name), ['CPU#0', 'CPU#1']);

      const frames = await topFrames();
      assert.equal(frames[0]?.name, 'kmain');
      assert.equal(frames[0]?.source?.path, mainC);
      assert.equal(frames[0]?.line, kmainBreakpoint.line);
      assert.equal(frames[0]?.instructionPointerReference, kmainBreakpoint.instructionReference);
      assert.ok(frames.length >= 2, 'kmain has a caller (the arch boot code)');
    });

    it('shows locals and registers of the frame', async () => {
      const [frame] = await topFrames();
      const { scopes } = (await client.request('scopes', { frameId: frame!.id })).body;
      assert.deepEqual(scopes.map((s) => s.name), ['Locals', 'Registers']);

      const locals = (await client.request('variables', { variablesReference: scopes[0]!.variablesReference })).body.variables;
      const bi = locals.find((v) => v.name === 'bi');
      assert.equal(bi?.type, 'struct bootinfo *');
      assert.ok(locals.some((v) => v.name === 'prefix' && v.type === 'char [64]'), JSON.stringify(locals));

      const registers = (await client.request('variables', { variablesReference: scopes[1]!.variablesReference })).body.variables;
      const pc = registers.find((r) => r.name === PC[arch]);
      assert.ok(pc, JSON.stringify(registers.map((r) => r.name)));
      assert.equal(BigInt(pc.value), BigInt(kmainBreakpoint.instructionReference!));
      assert.ok(registers.length >= 16 && registers.length < 80, `${registers.length} registers`);
    });

    it('steps over a line and evaluates expressions, expanding a struct', async () => {
      await client.request('next', { threadId: thread });
      await stopped('step');
      const [frame] = await topFrames();
      assert.equal(frame?.name, 'kmain');
      assert.ok(frame.line > kmainBreakpoint.line!, `stepped from line ${kmainBreakpoint.line} to ${frame?.line}`);

      // The stepped-over line stored bi in the_bootinfo.
      const pointer = (await client.request('evaluate', { expression: 'the_bootinfo', frameId: frame.id, context: 'watch' })).body;
      assert.notEqual(BigInt(pointer.result.split(' ')[0]!), 0n);
      const cmdline = (await client.request('evaluate', { expression: 'the_bootinfo->cmdline', frameId: frame.id, context: 'hover' })).body;
      assert.match(cmdline.result, /debug=dap/);

      const struct = (await client.request('evaluate', { expression: '*the_bootinfo', frameId: frame.id, context: 'repl' })).body;
      assert.match(struct.result, /cmdline = "debug=dap/);
      assert.ok(struct.variablesReference > 0, 'the struct is expandable');
      const fields = (await client.request('variables', { variablesReference: struct.variablesReference })).body.variables;
      assert.ok(['protocol', 'cmdline', 'mem', 'mem_count'].every((name) => fields.some((f) => f.name === name)), JSON.stringify(fields));

      const gdbCommand = (await client.request('evaluate', { expression: '-exec info line kmain', frameId: frame.id, context: 'repl' })).body;
      assert.match(gdbCommand.result, /main\.c/);
      await assert.rejects(
        client.request('evaluate', { expression: 'no_such_symbol', frameId: frame.id, context: 'watch' }),
        /No symbol "no_such_symbol" in current context/,
      );
    });

    it('steps into a call on the line and out again', async () => {
      // The line is printk("AUTON %s %s\n", AUTON_VERSION, hal_arch_name()): the compiler picks
      // which call comes first.
      await client.request('stepIn', { threadId: thread });
      await stopped('step');
      const inside = await topFrames();
      assert.equal(inside[1]?.name, 'kmain');
      assert.ok(['hal_arch_name', 'printk'].includes(inside[0]?.name ?? ''), inside[0]?.name);
      assert.match(inside[0]?.source?.path ?? '', /kernels\/(lib|arch\/\w+)\/\w+\.c$/);
      await client.request('stepOut', { threadId: thread });
      await stopped('step');
      assert.equal((await topFrames())[0]?.name, 'kmain');
    });

    it('continues to a function breakpoint, with the banner on serial, and steps out of it', async () => {
      const { breakpoints } = (await client.request('setFunctionBreakpoints', { breakpoints: [{ name: 'sched_init' }] })).body;
      assert.equal(breakpoints[0]?.verified, true, breakpoints[0]?.message);
      await client.request('continue', { threadId: thread });
      const event = await stopped('function breakpoint');
      assert.deepEqual(event.body.hitBreakpointIds, [breakpoints[0].id]);
      const frames = await topFrames();
      assert.deepEqual(frames.slice(0, 2).map((f) => f.name), ['sched_init', 'kmain']);
      await client.outputMatching(new RegExp(`^AUTON \\S+ ${arch}$`, 'm'));

      await client.request('stepOut', { threadId: thread });
      await stopped('step');
      assert.equal((await topFrames())[0]?.name, 'kmain');
    });

    it('sets a breakpoint while the kernel runs, then pauses it', async () => {
      await client.request('setFunctionBreakpoints', { breakpoints: [] });
      await client.request('setBreakpoints', { source: { path: mainC }, breakpoints: [] });
      await client.request('continue', { threadId: thread });
      await client.outputMatching(/^\[BOOT\] ready$/m);

      // init sleeps in a loop once booted: the breakpoint goes in while it runs.
      const { breakpoints } = (await client.request('setFunctionBreakpoints', { breakpoints: [{ name: 'thread_sleep_ms' }] })).body;
      assert.equal(breakpoints[0]?.verified, true, breakpoints[0]?.message);
      await stopped('function breakpoint');
      assert.equal((await topFrames())[0]?.name, 'thread_sleep_ms');

      await client.request('setFunctionBreakpoints', { breakpoints: [] });
      await client.request('continue', { threadId: thread });
      await new Promise((done) => setTimeout(done, 300));
      await client.request('pause', { threadId: thread });
      await stopped('pause');
      assert.ok((await topFrames()).length > 0);
    });

    it('stops QEMU and gdb on disconnect', async () => {
      await client.request('disconnect', { terminateDebuggee: true });
      assert.equal(alive(qemuPid), false, 'QEMU is gone');
      assert.equal(await adapter.exited, 0, 'the adapter exits');
    });
  });
}

describe('kernel debug adapter: a kernel that powers off ends the session', function () {
  this.timeout(120_000);

  it('reports the exit status of the in-kernel tests (x86_64, ktest) and terminates', async () => {
    assert.ok((await buildKernel({ root, arch: 'x86_64' })).ok);
    const adapter = startAdapter();
    try {
      await initialize(adapter.client);
      await adapter.client.request('launch', { arch: 'x86_64', root, build: false, stopAtEntry: false, cmdline: 'ktest' });
      const qemu = (await adapter.client.event('process')).body.systemProcessId!;
      await adapter.client.request('configurationDone', {});
      assert.equal((await adapter.client.event('exited')).body.exitCode, 33);
      await adapter.client.event('terminated');
      assert.match(adapter.client.output.stdout ?? '', /^KTAP version 1$/m);
      assert.match(adapter.client.output.console ?? '', /QEMU exited: all in-kernel tests passed/);
      assert.equal(alive(qemu), false);
      await adapter.client.request('disconnect', {});
      assert.equal(await adapter.exited, 0);
    } finally {
      adapter.process.kill('SIGKILL');
    }
  });
});

describe('kernel debug adapter: launch errors a user can act on', function () {
  this.timeout(60_000);
  const arch: Arch = 'x86_64';

  async function launchError(args: Record<string, unknown>, env?: NodeJS.ProcessEnv): Promise<string> {
    const adapter = startAdapter(env);
    try {
      await initialize(adapter.client);
      await adapter.client.request('launch', { arch, build: false, ...args });
      assert.fail('the launch succeeded');
    } catch (error) {
      return (error as Error).message;
    } finally {
      adapter.process.kill('SIGTERM');
      await adapter.exited;
    }
  }

  before(async function () {
    this.timeout(300_000);
    assert.ok((await buildKernel({ root, arch })).ok);
  });

  it('names the command that builds a kernel that is not built', async () => {
    const message = await launchError({ kernel: join(root, 'kernels', 'build', 'nowhere', 'kernel.elf') });
    assert.match(message, /the x86_64 kernel is not built: kernel ELF .*nowhere\/kernel\.elf does not exist\. Run "AUTON: Build Kernel"/);
  });

  it('names the Debian package when gdb-multiarch is missing', async () => {
    const message = await launchError({ root }, { ...process.env, PATH: '/nonexistent' });
    assert.match(message, /gdb-multiarch is not installed.*apt-get install -y --no-install-recommends gdb-multiarch/);
  });

  it('says why QEMU failed', async () => {
    const message = await launchError({ root, qemuArgs: ['-no-such-option'] });
    assert.match(message, /QEMU failed to start: .*-no-such-option/);
  });

  it('refuses an unknown architecture', async () => {
    const message = await launchError({ arch: 'sparc', root });
    assert.match(message, /"arch": "sparc" is not a kernel architecture/);
  });
});
