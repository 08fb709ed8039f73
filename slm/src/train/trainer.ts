/**
 * The training loop over token sequences: sample a batch, cut it into shards, gradients from the
 * pool, sum in shard order, clip, AdamW at the scheduled learning rate; validation loss and
 * checkpoints every so often. Deterministic: the same seed and config give the same bits, and
 * a run resumed from a checkpoint continues exactly as if it had never stopped.
 */
import type { ModelConfig, TokenizerData } from '../types';
import { countTargets, type LossResult, packBatch, type TrainBatch } from '../model/backprop';
import { checkConfig } from '../model/config';
import type { EncodedExample } from '../model/prompt';
import { initWeights, isNorm, tensorSpecs, totalSize } from '../model/weights';
import { adamwUpdate, createAdamW } from './adamw';
import { type Checkpoint, type CheckpointHeader, saveCheckpoint } from './checkpoint';
import { clipGradNorm } from './clip';
import { type TrainConfig, trainProblems } from './config';
import { createPool, sharedFloats } from './pool';
import { ProgressBar } from './progress';
import { Sampler } from './sampler';
import { learningRate } from './schedule';
import { Rng } from '../model/rng';

export interface StepReport {
  step: number; // steps done after this one
  loss: number; // mean loss per scored token
  lr: number;
  gradNorm: number;
  tokens: number; // tokens processed (rows), scored or not
  seconds: number; // wall time of the step
  valLoss?: number;
}

export interface TrainRun {
  model: ModelConfig;
  train: TrainConfig;
  data: { train: EncodedExample[]; validation?: EncodedExample[] };
  tokenizer?: TokenizerData; // stored in checkpoints so they export on their own
  dataFingerprint?: string;
  checkpointFile?: string; // saved every train.checkpointEvery steps and at the end
  resume?: Checkpoint;
  threads?: number; // worker threads; 0 or 1 = this thread
  stopAtStep?: number; // end early (still saving), e.g. a time-boxed session
  progress?: boolean; // draw the progress bar on stderr
  onStep?: (r: StepReport) => void;
}

export interface TrainResult {
  checkpoint: Checkpoint;
  steps: number;
  finalLoss: number; // mean of the last 10% of steps
  valLoss?: number;
  seconds: number; // this session
  tokensPerSecond: number; // this session
}

const VAL_BATCH = 16;
const VAL_MAX = 512;

/** Splits a batch into `shards` packs of about equal token counts (deterministic), weighting the intent tokens. */
export function shardBatch(seqs: EncodedExample[], shards: number, tc: Pick<TrainConfig, 'loss' | 'intentWeight'>): TrainBatch[] {
  const bins: EncodedExample[][] = Array.from({ length: shards }, () => []);
  const load = new Array<number>(shards).fill(0);
  const order = seqs.map((s, i) => i).sort((a, b) => seqs[b]!.ids.length - seqs[a]!.ids.length || a - b);
  for (const i of order) {
    let best = 0;
    for (let s = 1; s < shards; s++) if (load[s]! < load[best]!) best = s;
    bins[best]!.push(seqs[i]!);
    load[best]! += seqs[i]!.ids.length;
  }
  return bins.map((bin) => packBatch(
    bin.map((e) => e.ids),
    bin.map((e) => (tc.loss === 'all' ? 1 : e.lossFrom)),
    tc.intentWeight === 1 ? undefined : { weightedTo: bin.map((e) => e.intentEnd ?? e.lossFrom + 1), weight: tc.intentWeight },
  ));
}

/**
 * Request-token dropout: each token before the prompt's last one (never BOS) is replaced by a
 * random non-special id with probability p. The generator is seeded by (seed, step), so a
 * resumed run draws the same replacements without storing anything.
 */
export function dropRequestTokens(seqs: EncodedExample[], p: number, vocabSize: number, seed: number, step: number): EncodedExample[] {
  if (p <= 0) return seqs;
  const rng = new Rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0);
  const FIRST = 3; // <unk>, <s>, </s> stay out of the noise
  return seqs.map((e) => {
    const ids = [...e.ids];
    for (let i = 1; i < e.lossFrom - 1; i++) if (rng.next() < p) ids[i] = FIRST + rng.int(vocabSize - FIRST);
    return { ...e, ids };
  });
}

/** avg <- d * avg + (1 - d) * params. */
export function updateAverage(avg: Float32Array, params: Float32Array, d: number): void {
  const w = 1 - d;
  for (let i = 0; i < avg.length; i++) avg[i] = d * avg[i]! + w * params[i]!;
}

function checkSequences(model: ModelConfig, seqs: EncodedExample[], what: string): void {
  for (const [i, s] of seqs.entries()) {
    if (s.ids.length > model.contextLength) throw new Error(`${what} example ${i} has ${s.ids.length} tokens, more than the context length ${model.contextLength}: raise model.contextLength or drop long examples`);
    if (s.ids.length < 2) throw new Error(`${what} example ${i} has fewer than 2 tokens`);
    for (const id of s.ids) if (id < 0 || id >= model.vocabSize) throw new Error(`${what} example ${i} has token id ${id}, outside the vocabulary of ${model.vocabSize}`);
  }
}

export async function trainModel(run: TrainRun): Promise<TrainResult> {
  const { model, train: tc } = run;
  checkConfig(model);
  const problems = trainProblems(tc);
  if (problems.length) throw new Error(`train config: ${problems.join('; ')}`);
  checkSequences(model, run.data.train, 'training');
  checkSequences(model, run.data.validation ?? [], 'validation');

  const specs = tensorSpecs(model);
  const n = totalSize(specs);
  const threads = Math.max(0, Math.min(run.threads ?? 1, tc.shards));
  const params = threads > 1 ? sharedFloats(n) : new Float32Array(n);
  const grads = Array.from({ length: tc.shards }, () => (threads > 1 ? sharedFloats(n) : new Float32Array(n)));
  const grad = new Float32Array(n);
  const adam = createAdamW(n);
  const ema = tc.ema > 0 ? new Float32Array(n) : undefined;
  let header: CheckpointHeader;
  let sampler: Sampler;
  if (run.resume) {
    const r = run.resume;
    if (JSON.stringify(r.header.model) !== JSON.stringify(model)) throw new Error('the checkpoint was trained with a different model config: resume with the config it was made with');
    if (run.dataFingerprint && r.header.dataFingerprint && run.dataFingerprint !== r.header.dataFingerprint) {
      throw new Error('the training data changed since the checkpoint was written: resuming would not continue the same run');
    }
    params.set(r.params);
    adam.m.set(r.m);
    adam.v.set(r.v);
    if (ema) {
      if (!r.ema && r.header.step > 0) throw new Error('the checkpoint kept no weight average (train.ema was 0): resume with the config it was made with');
      ema.set(r.ema ?? r.params);
    }
    header = { ...r.header, train: tc, history: [...r.header.history] };
    sampler = new Sampler(run.data.train.length, r.header.sampler);
  } else {
    initWeights(model, tc.seed, params);
    ema?.set(params);
    sampler = new Sampler(run.data.train.length, (tc.seed ^ 0x5eed5eed) >>> 0);
    header = {
      model, train: tc, step: 0, sampler: sampler.state(), tokensSeen: 0, trainSeconds: 0, history: [],
      tokenizer: run.tokenizer, dataFingerprint: run.dataFingerprint, paramCount: n,
    };
  }

  const pool = createPool({ config: model, params, grads }, threads);
  const bar = run.progress ? new ProgressBar() : undefined;
  const validation = (run.data.validation ?? []).slice(0, VAL_MAX);
  const snapshot = (): Checkpoint => ({
    header: { ...header, sampler: sampler.state() }, params: params.slice(), m: adam.m.slice(), v: adam.v.slice(),
    ...(ema ? { ema: ema.slice() } : {}),
  });
  const save = (): void => {
    if (run.checkpointFile) saveCheckpoint(run.checkpointFile, snapshot());
  };
  const valLoss = async (): Promise<number | undefined> => {
    if (!validation.length) return undefined;
    const batches: TrainBatch[] = [];
    for (let i = 0; i < validation.length; i += VAL_BATCH) {
      const part = validation.slice(i, i + VAL_BATCH);
      batches.push(packBatch(part.map((e) => e.ids), part.map((e) => (tc.loss === 'all' ? 1 : e.lossFrom))));
    }
    const rs: LossResult[] = await pool.losses(batches);
    const tokens = rs.reduce((a, r) => a + r.tokens, 0);
    return rs.reduce((a, r) => a + r.loss, 0) / Math.max(1, tokens);
  };

  const last = Math.min(tc.steps, run.stopAtStep ?? tc.steps);
  const started = performance.now();
  let sessionTokens = 0;
  let lastVal: number | undefined;
  try {
    while (header.step < last) {
      const t0 = performance.now();
      const step = header.step;
      const lr = learningRate(tc, step);
      const drawn = sampler.next(tc.batchSize).map((i) => run.data.train[i]!);
      const batch = dropRequestTokens(drawn, tc.requestDropout, model.vocabSize, tc.seed, step);
      const shards = shardBatch(batch, tc.shards, tc);
      const targets = shards.reduce((a, s) => a + countTargets(s), 0);
      const results = await pool.gradients(shards, 1 / Math.max(1, targets));
      grad.set(grads[0]!);
      for (let s = 1; s < grads.length; s++) {
        const g = grads[s]!;
        for (let i = 0; i < n; i++) grad[i] = grad[i]! + g[i]!;
      }
      const gradNorm = clipGradNorm(grad, tc.gradClip);
      for (const spec of specs) adamwUpdate(tc, adam, params, grad, step + 1, lr, spec.offset, spec.offset + spec.size, !isNorm(spec.name));
      if (ema) updateAverage(ema, params, Math.min(tc.ema, step / (step + 1)));
      const loss = results.reduce((a, r) => a + r.loss, 0) / Math.max(1, targets);
      const tokens = shards.reduce((a, s) => a + s.tokens.length, 0);
      header.step = step + 1;
      header.tokensSeen += tokens;
      sessionTokens += tokens;
      const report: StepReport = { step: header.step, loss, lr, gradNorm, tokens, seconds: (performance.now() - t0) / 1000 };
      if (tc.evalEvery > 0 && (header.step % tc.evalEvery === 0 || header.step === tc.steps)) {
        lastVal = await valLoss();
        report.valLoss = lastVal;
      }
      header.trainSeconds += (performance.now() - t0) / 1000;
      header.history.push({ step: header.step, loss, lr, gradNorm, ...(report.valLoss !== undefined ? { valLoss: report.valLoss } : {}) });
      run.onStep?.(report);
      if (bar) {
        const elapsed = (performance.now() - started) / 1000;
        const done = header.step - (run.resume?.header.step ?? 0);
        bar.update({ step: header.step, steps: tc.steps, loss, lr, tokensPerSecond: sessionTokens / elapsed, secondsPerStep: elapsed / done, valLoss: lastVal });
      }
      if (tc.checkpointEvery > 0 && header.step % tc.checkpointEvery === 0 && header.step < last) save();
    }
    save();
  } finally {
    bar?.done();
    await pool.close();
  }

  const seconds = (performance.now() - started) / 1000;
  const tail = header.history.slice(-Math.max(1, Math.ceil(header.history.length / 10)));
  return {
    checkpoint: snapshot(),
    steps: header.step,
    finalLoss: tail.reduce((a, h) => a + h.loss, 0) / Math.max(1, tail.length),
    valLoss: lastVal,
    seconds,
    tokensPerSecond: sessionTokens / Math.max(1e-9, seconds),
  };
}
