/**
 * `npm run bench -- slm`: training tokens/s of the TypeScript model (the shipped model's shape,
 * synthetic token data) with the scalar and the WebAssembly SIMD kernel, on 1 and 2 threads, and inference tokens/s of AUTON's forward pass
 * and of llama.cpp on the same GGUF (slm/models/auton-slm.gguf), greedy, same prompts, in the
 * same run. Runs alternate so machine noise hits both sides alike.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { countParams } from '../slm/src/model/config';
import { useWasm } from '../slm/src/model/matmul';
import { formatPrompt } from '../slm/src/model/prompt';
import { Rng } from '../slm/src/model/rng';
import { openAuton } from '../slm/src/runtime/auton';
import { openLlamaCpp } from '../slm/src/runtime/llamacpp';
import { SpmTokenizer } from '../slm/src/tokenizer/spm';
import { DEFAULT_TRAIN } from '../slm/src/train/config';
import { readSet } from '../slm/src/train/inputs';
import { trainModel } from '../slm/src/train/trainer';
import type { ModelConfig } from '../slm/src/types';
import { median } from './stats';

const REQUESTS = [
  'which driver does my Intel wireless card need',
  'what is the device 10de:1c82',
  'install vlc please',
  'restart the ssh service',
  'my sound stopped working after the update',
  'set the timezone to Europe/Paris',
];

async function trainingSpeed(model: ModelConfig, threads: number, wasm: boolean): Promise<number> {
  useWasm(wasm);
  const rng = new Rng(threads);
  const data = Array.from({ length: 256 }, () => {
    const n = 40 + rng.int(30);
    return { ids: Array.from({ length: n }, () => rng.int(model.vocabSize)), lossFrom: Math.floor(n / 2) };
  });
  // 2 warm-up steps (JIT), then 6 timed ones
  const train = { ...DEFAULT_TRAIN, steps: 8, batchSize: 32, warmupSteps: 2, checkpointEvery: 0, evalEvery: 0 };
  let tokens = 0;
  let seconds = 0;
  await trainModel({
    model, train, data: { train: data }, threads,
    onStep: (r) => {
      if (r.step <= 2) return;
      tokens += r.tokens;
      seconds += r.seconds;
    },
  });
  return tokens / seconds;
}

export async function benchSlm(root: string, runs = 3): Promise<void> {
  const gguf = join(root, 'slm', 'models', 'auton-slm.gguf');
  if (!existsSync(gguf)) throw new Error(`${gguf} is missing: build it with "npm run slm:model"`);
  const auton = openAuton(gguf);
  const config = auton.model.config;
  const tokenizer = new SpmTokenizer(auton.loaded.tokenizer);
  const testSet = join(root, 'slm', 'data', 'test.jsonl');
  const requests = existsSync(testSet) ? readSet(join(root, 'slm', 'data'), 'test').slice(0, 12).map((e) => e.request) : REQUESTS;
  const prompts = requests.map((r) => tokenizer.encode(formatPrompt(r), { bos: true }));
  console.log(`model: ${gguf} (${config.name}, ${(countParams(config).total / 1e6).toFixed(2)}M parameters, ${auton.loaded.types.get('blk.0.attn_q.weight') ?? '?'})`);

  const variants = [
    { label: 'train, scalar JS kernel, 1 thread', threads: 1, wasm: false },
    { label: 'train, WASM SIMD kernel, 1 thread', threads: 1, wasm: true },
    { label: 'train, WASM SIMD kernel, 2 threads', threads: 2, wasm: true },
  ];
  const train: number[][] = variants.map(() => []);
  for (let i = 0; i < runs; i++) for (const [k, v] of variants.entries()) train[k]!.push(await trainingSpeed(config, v.threads, v.wasm));
  useWasm(true);

  const llama = await openLlamaCpp(gguf, { threads: 1 });
  const infer: Record<'auton' | 'llama.cpp', number[]> = { auton: [], 'llama.cpp': [] };
  let agree = 0;
  try {
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      let n = 0;
      const ours: number[][] = [];
      for (const p of prompts) {
        const out = auton.generate(p, 48);
        ours.push(out);
        n += p.length + out.length;
      }
      infer.auton.push(n / ((performance.now() - t) / 1000));
      t = performance.now();
      n = 0;
      agree = 0;
      for (const [k, p] of prompts.entries()) {
        const out = await llama.generate(p, 48);
        n += p.length + out.length;
        if (out.join() === ours[k]!.join()) agree++;
      }
      infer['llama.cpp'].push(n / ((performance.now() - t) / 1000));
    }
  } finally {
    await llama.dispose();
  }

  const row = (label: string, xs: number[]): string => `${label.padEnd(36)} ${Math.round(median(xs)).toString().padStart(8)} tokens/s  (runs: ${xs.map((x) => Math.round(x)).join(', ')})`;
  variants.forEach((v, k) => console.log(row(v.label, train[k]!)));
  console.log(`${'speed-up, WASM vs scalar (1 thread)'.padEnd(36)} ${(median(train[1]!) / median(train[0]!)).toFixed(2)}x`);
  console.log(`${'speed-up, 2 threads vs 1 (WASM)'.padEnd(36)} ${(median(train[2]!) / median(train[1]!)).toFixed(2)}x`);
  console.log(row('inference, AUTON TypeScript forward', infer.auton));
  console.log(row('inference, llama.cpp (1 thread)', infer['llama.cpp']));
  console.log(`greedy outputs identical on ${agree}/${prompts.length} prompts (prompt + generated tokens counted; prompts from the test split)`);
}
