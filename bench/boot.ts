/**
 * `npm run bench -- boot`: time from QEMU start to `[BOOT] ready` per arch
 * (median of several boots, interleaved across arches so machine noise hits
 * every arch alike), the x86_64 GRUB ISO boot to exit, and image sizes.
 */
import { statSync } from 'node:fs';
import { ARCHES, artifactsFor, bootKernel, buildKernel } from '../src/kernel';
import { median } from './stats';

export async function benchBoot(root: string, runs = 7): Promise<void> {
  for (const arch of ARCHES) {
    const b = await buildKernel({ root, arch });
    if (!b.ok) throw new Error(b.message);
  }
  const iso = await buildKernel({ root, arch: 'x86_64', target: 'iso', vars: { ISO_CMDLINE: 'ktest=printk' } });
  const ready: Record<string, number[]> = {};
  const banner: Record<string, number[]> = {};
  for (let i = 0; i < runs; i++) {
    for (const arch of ARCHES) {
      const r = await bootKernel({ arch, kernel: artifactsFor(root, arch).bin, stopAfterReadyMs: 0, timeoutMs: 60_000 });
      if (r.outcome !== 'ready' || r.readyMs === undefined) throw new Error(`${arch}: ${r.message}`);
      (ready[arch] ??= []).push(r.readyMs);
      (banner[arch] ??= []).push(r.bannerMs ?? NaN);
    }
  }
  const isoTimes: number[] = [];
  if (iso.ok) {
    for (let i = 0; i < Math.min(runs, 3); i++) {
      const r = await bootKernel({ arch: 'x86_64', iso: artifactsFor(root, 'x86_64').iso, timeoutMs: 120_000 });
      if (r.outcome === 'tests-passed') isoTimes.push(r.durationMs);
    }
  }
  console.log(`boot benchmark: ${runs} boots per arch, TCG, -m 256M, median ms`);
  console.log('arch      banner_ms  ready_ms  min_ready  max_ready  kernel.bin_bytes  kernel.elf_bytes');
  for (const arch of ARCHES) {
    const a = artifactsFor(root, arch);
    const rs = ready[arch]!;
    console.log(
      `${arch.padEnd(9)} ${median(banner[arch]!).toFixed(0).padStart(9)} ${median(rs).toFixed(0).padStart(9)} ` +
        `${Math.min(...rs).toFixed(0).padStart(10)} ${Math.max(...rs).toFixed(0).padStart(10)} ` +
        `${String(statSync(a.bin).size).padStart(17)} ${String(statSync(a.elf).size).padStart(17)}`,
    );
  }
  const x86 = median(ready.x86_64!);
  console.log(`ratios to x86_64 ready: aarch64 ${(median(ready.aarch64!) / x86).toFixed(2)}, riscv64 ${(median(ready.riscv64!) / x86).toFixed(2)}`);
  if (isoTimes.length) {
    console.log(`x86_64 GRUB ISO: boot + ktest=printk + exit median ${median(isoTimes).toFixed(0)} ms; auton.iso ${statSync(artifactsFor(root, 'x86_64').iso!).size} bytes`);
  } else {
    console.log(`x86_64 GRUB ISO: not measured (${iso.message})`);
  }
}
