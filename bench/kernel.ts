/**
 * `npm run bench -- kernel`: the in-kernel benchmark (`kbench` on the kernel
 * command line) on every arch: thread switch cost, IPC round trip, and
 * kmalloc/kfree pairs per second. Each arch is built twice, release
 * (DEBUG=0) and debug (DEBUG=1, the default build the tests run, with slab
 * red zones and poisoning), booted a few times (interleaved across arches so
 * machine noise hits every arch alike), and the medians are printed with
 * their ratio to x86_64. The debug build is rebuilt last, so the tree is left
 * as the tests expect it.
 */
import { ARCHES, type Arch, artifactsFor, bootKernel, buildKernel } from '../src/kernel';
import { median } from './stats';

type Build = 'release' | 'debug';
type Figures = Record<string, { value: number; unit: string }>;

const BENCH_LINE = /^\[BENCH\] (\S+) (\d+) (\S+)$/gm;

/** The `[BENCH] <name> <value> <unit>` lines of one boot. */
export function parseBenchLines(serial: string): Figures {
  const out: Figures = {};
  for (const m of serial.replace(/\r/g, '').matchAll(BENCH_LINE)) out[m[1]!] = { value: Number(m[2]), unit: m[3]! };
  return out;
}

async function runBuild(root: string, build: Build, runs: number): Promise<Record<Arch, Record<string, number[]>>> {
  for (const arch of ARCHES) {
    const b = await buildKernel({ root, arch, vars: { DEBUG: build === 'debug' ? '1' : '0' } });
    if (!b.ok) throw new Error(`${arch} ${build} build: ${b.message}`);
  }
  const samples = Object.fromEntries(ARCHES.map((a) => [a, {}])) as Record<Arch, Record<string, number[]>>;
  for (let i = 0; i < runs; i++) {
    for (const arch of ARCHES) {
      const r = await bootKernel({ arch, kernel: artifactsFor(root, arch).bin, cmdline: 'kbench', timeoutMs: 120_000 });
      if (r.outcome !== 'tests-passed') throw new Error(`${arch} ${build} kbench: ${r.message}\n${r.serial.slice(-2000)}`);
      for (const [name, f] of Object.entries(parseBenchLines(r.serial))) (samples[arch][name] ??= []).push(f.value);
    }
  }
  return samples;
}

export async function benchKernel(root: string, runs = 3): Promise<void> {
  const release = await runBuild(root, 'release', runs);
  const debug = await runBuild(root, 'debug', runs);
  const columns: { label: string; build: Build; name: string; unit: string }[] = [
    { label: 'context_switch', build: 'release', name: 'context_switch', unit: 'ns' },
    { label: 'ipc_round_trip', build: 'release', name: 'ipc_round_trip', unit: 'ns' },
    { label: 'kmalloc_kfree', build: 'release', name: 'kmalloc_kfree', unit: 'pairs/s' },
    { label: 'kmalloc_kfree(debug)', build: 'debug', name: 'kmalloc_kfree', unit: 'pairs/s' },
  ];
  const value = (arch: Arch, c: (typeof columns)[number]): number => {
    const xs = (c.build === 'release' ? release : debug)[arch][c.name];
    if (!xs?.length) throw new Error(`${arch} printed no [BENCH] ${c.name} line`);
    return median(xs);
  };
  console.log(`kernel benchmark: kbench in QEMU TCG, -m 256M, 1 CPU, median of ${runs} boots per arch and build`);
  console.log('(release = DEBUG=0; debug = the default build with red zones and poisoning; ratio = arch / x86_64)');
  console.log(['arch'.padEnd(9), ...columns.map((c) => `${c.label} ${c.unit}`.padStart(30))].join(' '));
  for (const arch of ARCHES) {
    const cells = columns.map((c) => {
      const v = value(arch, c);
      const ratio = v / value('x86_64', c);
      return `${v.toFixed(0)} (${ratio.toFixed(2)}x)`.padStart(30);
    });
    console.log([arch.padEnd(9), ...cells].join(' '));
  }
}
