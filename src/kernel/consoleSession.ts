/**
 * Boots a kernel with a boot module and runs console commands on it, in order, timing each
 * (host wall clock from sending the line to the next prompt). Shared by the SLM parity test
 * and `npm run bench -- slm-kernel`. (Not in index.ts: a helper for tests and benchmarks.)
 */
import type { Arch } from './arches';
import { artifactsFor } from './build';
import { bootKernel, type BootResult, type KernelConsole } from './qemu';

export interface ConsoleAnswer {
  command: string;
  lines: string[];
  ms: number;
}

export interface ConsoleSession {
  boot: BootResult;
  answers: ConsoleAnswer[];
  /** The `[SLM] backend ...` boot line, if any. */
  backendLine?: string;
}

export async function runConsole(o: {
  root: string; arch: Arch; initrd?: string; memory?: string; commands: string[]; timeoutMs?: number;
}): Promise<ConsoleSession> {
  const answers: ConsoleAnswer[] = [];
  let failure: Error | undefined;
  const drive = async (c: KernelConsole) => {
    try {
      for (const command of o.commands) {
        const t = performance.now();
        const lines = await c.command(command, o.timeoutMs ?? 120_000);
        answers.push({ command, lines, ms: performance.now() - t });
      }
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
    } finally {
      c.stop();
    }
  };
  const boot = await bootKernel({
    arch: o.arch, kernel: artifactsFor(o.root, o.arch).bin, initrd: o.initrd, memory: o.memory,
    timeoutMs: (o.timeoutMs ?? 120_000) * (o.commands.length + 1), onConsole: (c) => { void drive(c); },
  });
  if (failure) throw new Error(`${o.arch}: ${failure.message}\n${boot.serial.slice(-2000)}`);
  const backendLine = boot.serial.replace(/\r/g, '').split('\n').find((l) => l.startsWith('[SLM] backend '));
  return { boot, answers, backendLine };
}
