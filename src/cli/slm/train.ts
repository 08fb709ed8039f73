/**
 * `auton slm train`: trains the model a run config describes (slm/configs/*.json) on the dataset
 * folder, writing a checkpoint that resumes bit for bit and that `auton slm export` turns into
 * GGUF.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { countParams, describeConfig } from '../../../slm/src/model/config';
import { encodeExample } from '../../../slm/src/model/prompt';
import { loadCheckpoint } from '../../../slm/src/train/checkpoint';
import { loadRunConfig, resolveModelConfig } from '../../../slm/src/train/config';
import { dataFingerprint, readSet, readTokenizer } from '../../../slm/src/train/inputs';
import { trainModel } from '../../../slm/src/train/trainer';
import { UsageError } from '../kernel';
import { positiveWhole, repoRoot } from './common';

interface TrainOpts {
  config: string;
  resume?: string;
  out?: string;
  threads?: string;
  steps?: string;
  stopAt?: string;
  seed?: string;
  json?: boolean;
  progress?: boolean;
}

export function registerSlmTrainCommands(slm: Command): void {
  slm
    .command('train')
    .description('train the model of a run config on the dataset (AdamW, warmup + cosine, clipping, checkpoints, both cores)')
    .option('-c, --config <file>', 'run config (model shape, hyperparameters, data folder, output folder)', 'slm/configs/default.json')
    .option('--resume <checkpoint>', 'continue a run from its checkpoint (bit-identical to an uninterrupted run)')
    .option('-o, --out <checkpoint>', 'checkpoint to write (default: <output.dir>/model.ckpt)')
    .option('--threads <n>', 'worker threads computing gradients (default: one per shard, at most the CPU count)')
    .option('--steps <n>', 'override train.steps')
    .option('--stop-at <step>', 'stop (and save) after this step; resume later with --resume')
    .option('--seed <n>', 'override train.seed')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--json', 'print the summary as JSON')
    .action(async (o: TrainOpts) => {
      const root = repoRoot();
      const run = loadRunConfig(resolve(o.config), root);
      if (o.steps !== undefined) run.train.steps = positiveWhole(o.steps, '--steps');
      if (o.seed !== undefined) run.train.seed = positiveWhole(o.seed, '--seed');
      const tokenizer = readTokenizer(run.data.dir);
      const model = resolveModelConfig(run.model, tokenizer.data.tokens.length, run.name);
      const encode = (set: 'train' | 'validation') => readSet(run.data.dir, set).map((e) => encodeExample(tokenizer, e));
      const train = run.data.trainOn.flatMap(encode);
      const validation = encode('validation');
      const tooLong = train.filter((e) => e.ids.length > model.contextLength).length;
      if (tooLong) throw new UsageError(`${tooLong} training examples are longer than the context length ${model.contextLength}: raise model.contextLength in ${o.config}`);
      const resume = o.resume ? loadCheckpoint(resolve(o.resume)) : undefined;
      const out = resolve(o.out ?? join(run.output.dir, 'model.ckpt'));
      mkdirSync(resolve(out, '..'), { recursive: true });
      const threads = o.threads !== undefined ? positiveWhole(o.threads, '--threads') : run.train.shards;
      const log = (s: string) => process.stderr.write(`${s}\n`);
      if (!o.json) {
        log(`slm train: ${describeConfig(model)}`);
        log(`slm train: ${train.length} training examples (${run.data.trainOn.join(' + ')}; validation loss on ${validation.length}), ${threads} thread(s), ${run.train.steps} steps of ${run.train.batchSize}; checkpoint ${out}`);
      }
      const result = await trainModel({
        model, train: run.train, data: { train, validation }, tokenizer: tokenizer.data, dataFingerprint: dataFingerprint(run.data.dir, run.data.trainOn),
        checkpointFile: out, resume, threads, progress: o.progress !== false && !o.json,
        stopAtStep: o.stopAt !== undefined ? positiveWhole(o.stopAt, '--stop-at') : undefined,
      });
      const summary = {
        checkpoint: out, model, parameters: countParams(model).total, steps: result.steps, finalLoss: result.finalLoss, valLoss: result.valLoss,
        seconds: result.seconds, trainSeconds: result.checkpoint.header.trainSeconds, tokensPerSecond: result.tokensPerSecond, threads,
      };
      if (o.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else {
        process.stdout.write(`trained ${summary.steps} steps in ${summary.seconds.toFixed(0)} s (${Math.round(summary.tokensPerSecond)} tokens/s on ${threads} thread(s)); ` +
          `final loss ${summary.finalLoss.toFixed(4)}${summary.valLoss !== undefined ? `, validation loss ${summary.valLoss.toFixed(4)}` : ''}\ncheckpoint: ${out}\n`);
      }
    });
}
