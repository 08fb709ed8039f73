/**
 * `npm run bench -- slm-kernel`: generation speed of the same GGUF (slm/models/auton-slm.gguf)
 * in one run, one thread everywhere:
 *   - the kernel's neural backend in QEMU TCG, per arch: `generate -n N <prompt>` on the serial
 *     console, timed on the host from the line sent to the next prompt (prefill, IPC and
 *     serial included); the token count comes from the TypeScript reference, which the
 *     parity test (test/kernel/slmParity.test.ts) holds token for token equal to the kernel;
 *   - the same backend built for the host (make -C kernels host-slm; `slm-host bench`: greedy
 *     decoding from BOS, EOS ignored);
 *   - llama.cpp (node-llama-cpp, threads 1): the same prompts, and decoding from BOS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ARCHES, buildKernel } from '../src/kernel';
import { runConsole } from '../src/kernel/consoleSession';
import { buildSlmHost } from '../src/kernel/slmPolicy';
import { openAuton } from '../slm/src/runtime/auton';
import { openLlamaCpp } from '../slm/src/runtime/llamacpp';
import { SpmTokenizer } from '../slm/src/tokenizer/spm';
import { median } from './stats';

const MAX_TOKENS = 32;
const PROMPTS = [
  'which driver does my Intel wireless card need',
  'what network card do you have?',
  'install vlc please',
  'restart the ssh service',
];

type Row = { label: string; runs: number[]; how: string };

export async function benchSlmKernel(root: string, runs = 3): Promise<void> {
  const gguf = join(root, 'slm', 'models', 'auton-slm.gguf');
  if (!existsSync(gguf)) throw new Error(`${gguf} is missing: build it with "npm run slm:model"`);
  const auton = openAuton(gguf);
  const tokenizer = new SpmTokenizer(auton.loaded.tokenizer);
  const tokens = PROMPTS.map((p) => auton.generate(tokenizer.encode(p, { bos: true }), MAX_TOKENS).length);
  const total = tokens.reduce((a, b) => a + b, 0);
  const rows: Row[] = [];
  const missing: string[] = [];

  for (const arch of ARCHES) {
    const b = await buildKernel({ root, arch, vars: { DEBUG: '0' } });
    if (!b.ok) throw new Error(`${arch} build: ${b.message}`);
  }
  const kernelRows = Object.fromEntries(ARCHES.map((a) => [a, [] as number[]]));
  for (let r = 0; r < runs; r++) {
    for (const arch of ARCHES) {
      const s = await runConsole({ root, arch, initrd: gguf, commands: PROMPTS.map((p) => `generate -n ${MAX_TOKENS} ${p}`) });
      if (!/^\[SLM\] backend neural /.test(s.backendLine ?? '')) {
        missing.push(`${arch} kernel: ${s.backendLine ?? 'no [SLM] backend line'}`);
        continue;
      }
      const ms = s.answers.reduce((a, x) => a + x.ms, 0);
      kernelRows[arch]!.push(total / (ms / 1000));
    }
  }
  for (const arch of ARCHES) {
    if (kernelRows[arch]!.length) rows.push({ label: `kernel ${arch} (QEMU TCG)`, runs: kernelRows[arch]!, how: `${PROMPTS.length} prompts, -n ${MAX_TOKENS}` });
  }
  // Rebuild the debug kernels the tests expect.
  for (const arch of ARCHES) await buildKernel({ root, arch });

  let host: string | undefined;
  try {
    host = buildSlmHost(root);
  } catch (error) {
    missing.push(`slm-host: ${(error instanceof Error ? error.message : String(error)).trim().split('\n').slice(0, 2).join(' ')}`);
  }
  if (host) {
    const xs: number[] = [];
    for (let r = 0; r < runs; r++) {
      const out = spawnSync(host, ['bench', '--model', gguf, '--tokens', '2000'], { encoding: 'utf8' });
      const m = /([\d.]+) tokens\/s/.exec(out.stdout);
      if (out.status !== 0 || !m) throw new Error(`slm-host bench failed: ${out.stderr}${out.stdout}`);
      xs.push(Number(m[1]));
    }
    rows.push({ label: 'slm-host (kernel C on the host)', runs: xs, how: 'decode from BOS, 2000 tokens' });
  }

  const llama = await openLlamaCpp(gguf, { threads: 1 });
  try {
    const prompts: number[] = [];
    const fromBos: number[] = [];
    for (let r = 0; r < runs; r++) {
      let t = performance.now();
      let n = 0;
      for (const p of PROMPTS) n += (await llama.generate([llama.info.tokenizer.bos, ...llama.tokenize(p)], MAX_TOKENS)).length;
      prompts.push(n / ((performance.now() - t) / 1000));
      t = performance.now();
      n = 0;
      while (n < 2000) n += (await llama.generate([llama.info.tokenizer.bos], llama.info.config.contextLength)).length;
      fromBos.push(n / ((performance.now() - t) / 1000));
    }
    rows.push({ label: 'llama.cpp (node-llama-cpp)', runs: prompts, how: `${PROMPTS.length} prompts, -n ${MAX_TOKENS}` });
    rows.push({ label: 'llama.cpp (node-llama-cpp)', runs: fromBos, how: 'decode from BOS, 2000+ tokens' });
  } finally {
    await llama.dispose();
  }

  console.log(`SLM generation speed: ${gguf}, greedy, 1 thread, median of ${runs} runs (${total} tokens over the prompts)`);
  console.log(`${'engine'.padEnd(34)} ${'tokens/s'.padStart(10)}  ${'measured'.padEnd(32)} runs`);
  for (const r of rows) {
    console.log(`${r.label.padEnd(34)} ${median(r.runs).toFixed(1).padStart(10)}  ${r.how.padEnd(32)} ${r.runs.map((x) => x.toFixed(1)).join(', ')}`);
  }
  for (const m of missing) console.log(`not measured: ${m}`);
}
