/**
 * Gradient computation over the shards of a batch, on the main thread or on worker threads.
 * Parameters and per-shard gradients live in SharedArrayBuffers: workers read the weights the
 * optimizer just wrote and write their shard's gradient in place, so a step copies only the
 * token ids. Shard i always lands in grads[i] and the trainer sums them in shard order, so
 * the result is the same bits whatever the number of threads.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type MessagePort, Worker } from 'node:worker_threads';
import type { ModelConfig } from '../types';
import { Backprop, type LossResult, type TrainBatch } from '../model/backprop';
import { useWasm, wasmInUse } from '../model/matmul';

export interface GradientPool {
  readonly threads: number;
  /** grads[i] = d(loss * scale)/d(params) of shards[i]; returns each shard's loss. */
  gradients(shards: TrainBatch[], scale: number): Promise<LossResult[]>;
  /** Forward only: the loss of each batch. */
  losses(batches: TrainBatch[]): Promise<LossResult[]>;
  close(): Promise<void>;
}

export interface PoolInit {
  config: ModelConfig;
  params: Float32Array; // SharedArrayBuffer-backed when threads > 0
  grads: Float32Array[]; // one per shard, same
}

/** A shared Float32Array (what the pool needs for params and gradients when it uses threads). */
export function sharedFloats(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * 4));
}

/** Same-thread pool: one Backprop, shards one after the other. */
export class InlinePool implements GradientPool {
  readonly threads = 0;
  private readonly bp: Backprop;

  constructor(private readonly init: PoolInit) {
    this.bp = new Backprop(init.config, init.params);
  }

  gradients(shards: TrainBatch[], scale: number): Promise<LossResult[]> {
    this.bp.prepare();
    return Promise.resolve(shards.map((b, i) => {
      const g = this.init.grads[i]!;
      g.fill(0);
      return this.bp.run(b, g, scale);
    }));
  }

  losses(batches: TrainBatch[]): Promise<LossResult[]> {
    return Promise.resolve(batches.map((b) => this.bp.run(b)));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface Job {
  index: number;
  batch: TrainBatch;
}

type Request = { id: number; kind: 'gradients'; jobs: Job[]; scale: number } | { id: number; kind: 'losses'; jobs: Job[] };
type Reply = { id: number; results: { index: number; result: LossResult }[] } | { id: number; error: string };

interface WorkerData {
  wasm: boolean;
  config: ModelConfig;
  params: SharedArrayBuffer;
  grads: SharedArrayBuffer[];
}

/** The worker side: answers requests until the port closes. Runs in slm/src/train/worker.ts. */
export function serveGradients(port: MessagePort, data: WorkerData): void {
  useWasm(data.wasm);
  const params = new Float32Array(data.params);
  const grads = data.grads.map((b) => new Float32Array(b));
  const bp = new Backprop(data.config, params);
  port.on('message', (req: Request) => {
    try {
      if (req.kind === 'gradients') bp.prepare();
      const results = req.jobs.map(({ index, batch }) => {
        if (req.kind === 'losses') return { index, result: bp.run(batch) };
        const g = grads[index]!;
        g.fill(0);
        return { index, result: bp.run(batch, g, req.scale) };
      });
      port.postMessage({ id: req.id, results } satisfies Reply);
    } catch (error) {
      port.postMessage({ id: req.id, error: error instanceof Error ? error.message : String(error) } satisfies Reply);
    }
  });
}

/**
 * Starts a worker: dist/slm-worker.js next to the bundled CLI, or, running from source (tests,
 * bench), worker.ts beside this file behind tsx's require hook (a worker does not inherit it).
 */
function startWorker(workerData: WorkerData): Worker {
  const bundled = join(__dirname, 'slm-worker.js');
  if (existsSync(bundled)) return new Worker(bundled, { workerData });
  const source = join(__dirname, 'worker.ts');
  if (!existsSync(source)) throw new Error(`the training worker script is missing (no slm-worker.js or worker.ts in ${__dirname}): rebuild with "npm run build"`);
  const tsx = createRequire(__filename).resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`, { eval: true, workerData });
}

/** Worker-thread pool: shard i goes to worker i mod threads. */
export class ThreadPool implements GradientPool {
  private readonly workers: Worker[];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

  constructor(init: PoolInit, readonly threads: number) {
    const shared = (a: Float32Array): SharedArrayBuffer => {
      if (!(a.buffer instanceof SharedArrayBuffer) || a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength) {
        throw new Error('ThreadPool needs params and gradients in whole SharedArrayBuffers (use sharedFloats)');
      }
      return a.buffer;
    };
    const workerData: WorkerData = { wasm: wasmInUse(), config: init.config, params: shared(init.params), grads: init.grads.map(shared) };
    this.workers = Array.from({ length: threads }, () => {
      const w = startWorker(workerData);
      w.on('message', (reply: Reply) => {
        const p = this.pending.get(reply.id);
        if (!p) return;
        this.pending.delete(reply.id);
        p.resolve(reply);
      });
      w.on('error', (error) => this.failAll(new Error(`a training worker failed: ${error.message}`)));
      w.on('exit', (code) => {
        if (code !== 0) this.failAll(new Error(`a training worker exited with status ${code}`));
      });
      return w;
    });
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private async dispatch(kind: 'gradients' | 'losses', batches: TrainBatch[], scale: number): Promise<LossResult[]> {
    const perWorker: Job[][] = this.workers.map(() => []);
    batches.forEach((batch, index) => perWorker[index % this.workers.length]!.push({ index, batch }));
    const replies = await Promise.all(perWorker.map((jobs, w) => {
      if (jobs.length === 0) return Promise.resolve<Reply>({ id: 0, results: [] });
      const id = this.nextId++;
      return new Promise<Reply>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        const req: Request = kind === 'gradients' ? { id, kind, jobs, scale } : { id, kind, jobs };
        this.workers[w]!.postMessage(req);
      });
    }));
    const out: LossResult[] = new Array<LossResult>(batches.length);
    for (const r of replies) {
      if ('error' in r) throw new Error(`training worker: ${r.error}`);
      for (const { index, result } of r.results) out[index] = result;
    }
    return out;
  }

  gradients(shards: TrainBatch[], scale: number): Promise<LossResult[]> {
    return this.dispatch('gradients', shards, scale);
  }

  losses(batches: TrainBatch[]): Promise<LossResult[]> {
    return this.dispatch('losses', batches, 1);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** threads 0 or 1 computes on this thread; more spawns that many workers. */
export function createPool(init: PoolInit, threads: number): GradientPool {
  return threads <= 1 ? new InlinePool(init) : new ThreadPool(init, threads);
}
