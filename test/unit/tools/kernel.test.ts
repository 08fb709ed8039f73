import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import type { BootOptions, BootResult, BuildOptions, BuildResult, TestRunOptions, TestRunResult } from '../../../src/kernel';
import { parseKtap } from '../../../src/kernel/ktap';
import type { KernelHarness } from '../../../src/tools/kernel';
import { runTool, ToolRegistry } from '../../../src/tools/registry';
import { context } from './helpers';

const ROOT = '/work/fake-root';

function buildResult(over: Partial<BuildResult> = {}): BuildResult {
  return {
    ok: true, arch: 'riscv64', exitCode: 0, output: 'make: done\n', diagnostics: [], durationMs: 1234,
    artifacts: { elf: `${ROOT}/kernels/build/riscv64/kernel.elf`, bin: `${ROOT}/kernels/build/riscv64/kernel.bin`, compileCommands: `${ROOT}/kernels/build/riscv64/compile_commands.json` },
    message: `built riscv64 ${ROOT}/kernels/build/riscv64/kernel.bin (4096 bytes)`,
    ...over,
  };
}

function bootResult(over: Partial<BootResult> = {}): BootResult {
  return {
    outcome: 'ready', exitCode: null, serial: 'OpenSBI\r\nAUTON 0.1.0 riscv64\r\n[BOOT] ready\r\n', stderr: '',
    banner: 'AUTON 0.1.0 riscv64', ready: true, durationMs: 900, args: [], message: 'booted to [BOOT] ready in 800 ms',
    ...over,
  };
}

/** A harness that records its calls and answers what the test set. */
class FakeHarness implements KernelHarness {
  calls: { kind: string; options: BuildOptions | BootOptions | TestRunOptions }[] = [];
  buildAnswer = buildResult();
  bootAnswer = bootResult();
  testAnswer: TestRunResult = { arch: 'riscv64', ok: true, message: 'riscv64: 3 passed' };
  build(options: BuildOptions): Promise<BuildResult> {
    this.calls.push({ kind: 'build', options });
    return Promise.resolve(this.buildAnswer);
  }
  boot(options: BootOptions): Promise<BootResult> {
    this.calls.push({ kind: 'boot', options });
    return Promise.resolve(this.bootAnswer);
  }
  test(options: TestRunOptions): Promise<TestRunResult> {
    this.calls.push({ kind: 'test', options });
    return Promise.resolve(this.testAnswer);
  }
}

describe('kernel tools (fake harness)', () => {
  let harness: FakeHarness;
  let registry: ToolRegistry;
  beforeEach(() => {
    harness = new FakeHarness();
    registry = new ToolRegistry({ kernel: harness });
  });
  const ctx = (role = 'developer') => context(ROOT, role, { arches: ['riscv64', 'x86_64'] });

  describe('kernel_build', () => {
    it('builds in the worktree and answers a one-line summary, with the result as data', async () => {
      const result = await registry.runTool('kernel_build', { arch: 'riscv64' }, ctx());
      assert.equal(result.ok, true, result.output);
      assert.equal(result.output, 'built riscv64 kernels/build/riscv64/kernel.bin (4096 bytes) in 1.2 s');
      assert.equal(result.data, harness.buildAnswer);
      const options = harness.calls[0]?.options as BuildOptions;
      assert.equal(options.root, ROOT);
      assert.equal(options.arch, 'riscv64');
      assert.ok(options.signal, 'the call can be stopped');
    });

    it('answers the first compiler errors with worktree-relative paths and the end of the output', async () => {
      const errors = Array.from({ length: 12 }, (_, i) => ({
        file: `${ROOT}/kernels/core/main.c`, line: i + 1, column: 5, severity: 'error' as const, message: `undeclared identifier 'x${i}'`,
      }));
      harness.buildAnswer = buildResult({
        ok: false, exitCode: 2, diagnostics: errors,
        output: `${Array.from({ length: 100 }, (_, i) => `noise ${i}`).join('\n')}\nmake: *** [all] Error 2\n`,
      });
      const result = await registry.runTool('kernel_build', { arch: 'riscv64' }, ctx());
      assert.equal(result.ok, false);
      const lines = result.output.split('\n');
      assert.equal(lines[0], 'riscv64 build FAILED (make exited with 2) after 1.2 s');
      assert.equal(lines[1], '12 error(s):');
      assert.equal(lines[2], "  kernels/core/main.c:1:5: error: undeclared identifier 'x0'");
      assert.ok(lines.includes('  [... 2 more errors]'));
      assert.match(result.output, /end of the build output:\n\[\.\.\. \d+ lines cut \.\.\.\][\s\S]*make: \*\*\* \[all\] Error 2$/);
    });

    it('refuses an architecture the task does not target, and one that does not exist', async () => {
      const other = await registry.runTool('kernel_build', { arch: 'aarch64' }, ctx());
      assert.equal(other.ok, false);
      assert.equal(other.output, 'this task targets riscv64, x86_64, not aarch64: use one of those');
      const bogus = await registry.runTool('kernel_build', { arch: 'mips' }, ctx());
      assert.equal(bogus.ok, false);
      assert.match(bogus.output, /invalid input for kernel_build:[\s\S]*"x86_64"[\s\S]*call it as kernel_build\(\{ arch: "x86_64" \| "aarch64" \| "riscv64" \}\)/);
      assert.equal(harness.calls.length, 0);
    });
  });

  describe('kernel_boot', () => {
    it('builds, boots the image with the options, and answers outcome, banner and serial tail', async () => {
      const serial = ['AUTON 0.1.0 riscv64', ...Array.from({ length: 200 }, (_, i) => `[MM] line ${i}`), '[BOOT] ready'].join('\r\n');
      harness.bootAnswer = bootResult({ serial });
      const result = await registry.runTool('kernel_boot', { arch: 'riscv64', cmdline: 'loglevel=debug', memory: '512M', timeout_s: 30 }, ctx());
      assert.equal(result.ok, true, result.output);
      assert.deepEqual(harness.calls.map((c) => c.kind), ['build', 'boot']);
      const boot = harness.calls[1]?.options as BootOptions;
      assert.equal(boot.kernel, join(ROOT, 'kernels/build/riscv64/kernel.bin'));
      assert.equal(boot.cmdline, 'loglevel=debug');
      assert.equal(boot.memory, '512M');
      assert.equal(boot.timeoutMs, 30_000);
      assert.ok((boot.stopAfterReadyMs ?? 0) > 0, 'a plain boot is stopped after [BOOT] ready');
      assert.match(result.output, /^riscv64: ready: booted to \[BOOT\] ready in 800 ms\nbanner: AUTON 0\.1\.0 riscv64\nserial \(end\):\n\[\.\.\. \d+ lines cut \.\.\.\]\n/);
      assert.match(result.output, /\[BOOT\] ready$/);
      assert.doesNotMatch(result.output, /\r/);
    });

    it('reports a panic as a failure, and does not boot when the build fails', async () => {
      harness.bootAnswer = bootResult({ outcome: 'panic', exitCode: 37, panic: 'out of frames', message: 'kernel panicked: out of frames', serial: '[PANIC] out of frames\n' });
      const panic = await registry.runTool('kernel_boot', { arch: 'riscv64' }, ctx());
      assert.equal(panic.ok, false);
      assert.match(panic.output, /^riscv64: panic: kernel panicked: out of frames\nbanner: .*\npanic: out of frames\nserial \(end\):\n\[PANIC\] out of frames$/);
      harness.calls = [];
      harness.buildAnswer = buildResult({ ok: false, exitCode: 2, output: 'boom\n' });
      const unbuilt = await registry.runTool('kernel_boot', { arch: 'riscv64' }, ctx());
      assert.equal(unbuilt.ok, false);
      assert.match(unbuilt.output, /^not booted: riscv64 build FAILED/);
      assert.deepEqual(harness.calls.map((c) => c.kind), ['build']);
    });

    it('validates memory, command line and timeout', async () => {
      for (const input of [{ memory: 'lots' }, { cmdline: 'a\nb' }, { timeout_s: 9999 }, { extra: 1 }]) {
        const result = await registry.runTool('kernel_boot', { arch: 'riscv64', ...input }, ctx());
        assert.equal(result.ok, false);
        assert.match(result.output, /^invalid input for kernel_boot:/, JSON.stringify(input));
      }
      assert.equal(harness.calls.length, 0);
    });
  });

  describe('kernel_test', () => {
    it('passes the filter and answers the KTAP summary', async () => {
      const result = await registry.runTool('kernel_test', { arch: 'riscv64', filter: 'mm_' }, ctx('tester'));
      assert.equal(result.ok, true, result.output);
      assert.equal(result.output, 'riscv64: 3 passed');
      assert.equal((harness.calls[0]?.options as TestRunOptions).filter, 'mm_');
    });

    it('lists failing tests with their diagnostics and the serial tail', async () => {
      const serial = 'AUTON 0.1.0 riscv64\nKTAP version 1\n1..3\nok 1 mm_a\n# expected 4, got 5\nnot ok 2 mm_b\nok 3 mm_c # SKIP no smp\n';
      harness.testAnswer = {
        arch: 'riscv64', ok: false, ktap: parseKtap(serial), message: 'riscv64: 1 passed, 1 failed, 1 skipped — in-kernel tests failed (failed: mm_b)',
        boot: bootResult({ outcome: 'tests-failed', exitCode: 35, serial }),
      };
      const result = await registry.runTool('kernel_test', { arch: 'riscv64' }, ctx('tester'));
      assert.equal(result.ok, false);
      assert.match(result.output, /^riscv64: 1 passed, 1 failed, 1 skipped .*\nfailing tests:\n {2}not ok 2 mm_b\n {4}# expected 4, got 5\nserial \(end\):\nAUTON 0\.1\.0 riscv64/);
      assert.equal(result.data, harness.testAnswer);
    });

    it('rejects a filter that is not a test-name prefix', async () => {
      const result = await registry.runTool('kernel_test', { arch: 'riscv64', filter: 'a b' }, ctx());
      assert.match(result.output, /invalid input for kernel_test:[\s\S]*test-name prefix/);
    });
  });
});

describe('kernel_build on the real repository (clang + lld)', () => {
  it('builds riscv64 and answers where the image is', async function () {
    this.timeout(600_000);
    const repo = resolve(__dirname, '../../..');
    const result = await runTool('kernel_build', { arch: 'riscv64' }, context(repo, 'developer', { arches: ['riscv64'] }));
    assert.equal(result.ok, true, result.output);
    assert.match(result.output, /^built riscv64 kernels\/build\/riscv64\/kernel\.bin \(\d+ bytes\) in \d+\.\d s/);
    assert.equal((result.data as BuildResult).ok, true);
  });
});
