/**
 * `npm run bench -- slm-host`: decoding tokens/s of the kernel's neural backend built for the
 * host (kernels/build/host/slm-host, clang -O2, one thread) and of llama.cpp (node-llama-cpp,
 * one thread) on the shipped models, with the memory the backend allocates. Both decode
 * greedily from BOS; runs alternate so machine noise hits both sides alike.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openLlamaCpp } from '../slm/src/runtime/llamacpp';
import { buildSlmHost } from '../src/kernel/slmPolicy';
import { median } from './stats';

export async function benchSlmHost(root: string, runs = 3): Promise<void> {
  const host = buildSlmHost(root);
  for (const file of ['auton-slm.gguf', 'auton-slm-f32.gguf', 'auton-slm-q4_0.gguf']) {
    const gguf = join(root, 'slm', 'models', file);
    if (!existsSync(gguf)) throw new Error(`${gguf} is missing: build it with "npm run slm:model"`);
    const llama = await openLlamaCpp(gguf, { threads: 1 });
    const ours: number[] = [];
    const theirs: number[] = [];
    let memory = '';
    try {
      for (let r = 0; r < runs; r++) {
        const out = spawnSync(host, ['bench', '--model', gguf, '--tokens', '2000'], { encoding: 'utf8' });
        const m = /: ([\d.]+) tokens\/s .*, (\d+) bytes of memory/.exec(out.stdout);
        if (out.status !== 0 || !m) throw new Error(`slm-host bench failed: ${out.stderr}${out.stdout}`);
        ours.push(Number(m[1]));
        memory = m[2]!;
        const t = performance.now();
        let n = 0;
        while (n < 500) n += (await llama.generate([llama.info.tokenizer.bos], llama.info.config.contextLength)).length;
        theirs.push(n / ((performance.now() - t) / 1000));
      }
    } finally {
      await llama.dispose();
    }
    const row = (label: string, xs: number[]): string => `${label.padEnd(44)} ${Math.round(median(xs)).toString().padStart(7)} tokens/s  (runs: ${xs.map((x) => Math.round(x)).join(', ')})`;
    console.log(`${file}: the backend allocates ${memory} bytes beyond the image`);
    console.log(row(`  slm-host (kernel C on the host, 1 thread)`, ours));
    console.log(row(`  llama.cpp (node-llama-cpp, 1 thread)`, theirs));
  }
}
