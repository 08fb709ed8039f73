/**
 * Training run configuration: the hyperparameters (TrainConfig) and the run file
 * `slm/configs/<name>.json` that names a model shape, the data and where results go.
 */
import { readFileSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import type { ModelConfig } from '../types';
import { configProblems, isPresetName, PRESETS } from '../model/config';

export interface TrainConfig {
  seed: number;
  steps: number;
  batchSize: number; // sequences per optimizer step
  lr: number;
  minLr: number;
  warmupSteps: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  gradClip: number; // max global gradient norm; 0 = off
  /**
   * Each batch is cut into this many shards whose gradients are summed in shard order, whatever
   * the number of threads: results do not depend on how many cores ran them.
   */
  shards: number;
  /** 'answer': score only the intent and answer tokens; 'all': every token after BOS. */
  loss: 'answer' | 'all';
  /** Loss weight of the intent name's tokens relative to the others (classification is the main job). */
  intentWeight: number;
  /**
   * Probability that a request token is replaced by a random one in a training batch: the model
   * cannot lean on one exact phrasing, which is what requests worded differently need.
   */
  requestDropout: number;
  /**
   * Decay of an exponential moving average of the weights, updated after every step (0 = off).
   * With it on, the model a checkpoint exports and evaluates is the average, not the last step's
   * weights: the average of the weights along the end of the run, which moves less with the
   * last batches' wording. Until step 1 / (1 - ema) the average is the plain mean of every
   * step's weights so far (decay step / (step + 1)), so the random initial weights carry no
   * weight in it; after that the decay is `ema` (0.999: a window of about 1,000 steps).
   */
  ema: number;
  checkpointEvery: number; // steps; 0 = only at the end
  evalEvery: number; // steps between validation losses; 0 = never
}

export const DEFAULT_TRAIN: TrainConfig = {
  seed: 1,
  steps: 2000,
  batchSize: 32,
  lr: 3e-3,
  minLr: 3e-4,
  warmupSteps: 100,
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  gradClip: 1,
  shards: 2,
  loss: 'answer',
  intentWeight: 1,
  requestDropout: 0,
  ema: 0,
  checkpointEvery: 500,
  evalEvery: 250,
};

/** The model part of a run file: a preset name and/or explicit fields; vocabSize comes from the tokenizer. */
export type ModelSpec = Partial<ModelConfig> & { preset?: string };

export interface RunConfig {
  name: string;
  model: ModelSpec;
  train: TrainConfig;
  data: {
    dir: string; // the dataset folder "auton slm data" writes (train/validation/test/paraphrase.jsonl, tokenizer.json)
    /**
     * Sets to train on (default ["train"]). Adding "validation" gives the final model the
     * validation templates too; the validation loss is then not a held-out figure any more.
     * Test and paraphrase are evaluation only.
     */
    trainOn: ('train' | 'validation')[];
  };
  output: {
    dir: string; // checkpoints and logs
  };
}

export function trainProblems(t: TrainConfig): string[] {
  const problems: string[] = [];
  const positiveInts = ['steps', 'batchSize', 'shards'] as const;
  for (const k of positiveInts) if (!Number.isInteger(t[k]) || t[k] <= 0) problems.push(`train.${k} must be a positive whole number, got ${String(t[k])}`);
  const nonNegInts = ['seed', 'warmupSteps', 'checkpointEvery', 'evalEvery'] as const;
  for (const k of nonNegInts) if (!Number.isInteger(t[k]) || t[k] < 0) problems.push(`train.${k} must be a whole number >= 0, got ${String(t[k])}`);
  if (!(t.lr > 0)) problems.push(`train.lr must be positive, got ${t.lr}`);
  if (!(t.minLr >= 0 && t.minLr <= t.lr)) problems.push(`train.minLr must be between 0 and lr, got ${t.minLr}`);
  for (const k of ['beta1', 'beta2'] as const) if (!(t[k] >= 0 && t[k] < 1)) problems.push(`train.${k} must be in [0, 1), got ${t[k]}`);
  if (!(t.eps > 0)) problems.push(`train.eps must be positive, got ${t.eps}`);
  if (!(t.weightDecay >= 0)) problems.push(`train.weightDecay must be >= 0, got ${t.weightDecay}`);
  if (!(t.gradClip >= 0)) problems.push(`train.gradClip must be >= 0, got ${t.gradClip}`);
  if (t.loss !== 'answer' && t.loss !== 'all') problems.push(`train.loss must be "answer" or "all", got ${String(t.loss)}`);
  if (!(t.intentWeight > 0)) problems.push(`train.intentWeight must be positive, got ${t.intentWeight}`);
  if (!(t.requestDropout >= 0 && t.requestDropout < 1)) problems.push(`train.requestDropout must be in [0, 1), got ${t.requestDropout}`);
  if (!(t.ema >= 0 && t.ema < 1)) problems.push(`train.ema must be in [0, 1) (0 = off), got ${t.ema}`);
  if (t.shards > t.batchSize) problems.push(`train.shards (${t.shards}) cannot exceed train.batchSize (${t.batchSize})`);
  return problems;
}

/** The full model shape: preset, then explicit fields, then the tokenizer's vocabulary size. */
export function resolveModelConfig(spec: ModelSpec, vocabSize: number, name?: string): ModelConfig {
  const { preset, ...fields } = spec;
  if (preset !== undefined && !isPresetName(preset)) throw new Error(`unknown model preset "${preset}" (presets: ${Object.keys(PRESETS).join(', ')})`);
  const base = preset !== undefined ? PRESETS[preset] : undefined;
  const merged = { ...base, ...fields, vocabSize, name: name ?? fields.name ?? base?.name ?? 'custom' };
  const required = ['dim', 'nLayers', 'nHeads', 'nKvHeads', 'hiddenDim', 'contextLength'] as const;
  const missing = required.filter((k) => merged[k] === undefined);
  if (missing.length) throw new Error(`model config lacks ${missing.join(', ')}: give a "preset" or every field`);
  const config: ModelConfig = { normEps: 1e-5, ropeTheta: 10000, ...merged } as ModelConfig;
  const problems = configProblems(config);
  if (problems.length) throw new Error(`model config: ${problems.join('; ')}`);
  return config;
}

/** Reads a run file; relative paths in it are relative to `root` (the repository). */
export function loadRunConfig(file: string, root: string): RunConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read run config ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof raw !== 'object' || raw === null) throw new Error(`run config ${file} is not a JSON object`);
  const r = raw as Partial<RunConfig>;
  const train: TrainConfig = { ...DEFAULT_TRAIN, ...r.train };
  const problems = trainProblems(train);
  if (!r.data?.dir) problems.push('data.dir is required');
  const trainOn = r.data?.trainOn ?? ['train'];
  if (!Array.isArray(trainOn) || trainOn.length === 0 || trainOn.some((s) => s !== 'train' && s !== 'validation')) {
    problems.push('data.trainOn must list "train" and/or "validation"');
  }
  if (!r.output?.dir) problems.push('output.dir is required');
  if (problems.length) throw new Error(`run config ${file}: ${problems.join('; ')}`);
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(root, p));
  return {
    name: r.name ?? basename(file, '.json'),
    model: r.model ?? { preset: 'tiny' },
    train,
    data: { dir: at(r.data!.dir), trainOn },
    output: { dir: at(r.output!.dir) },
  };
}
