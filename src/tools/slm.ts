/**
 * The SLM pipeline tools: slm_data, slm_train, slm_eval, slm_quantize, slm_export. They work in
 * the agent's workspace (ToolContext.root: an SLM run's folder), validate and bound every
 * request before any work starts, and run the heavy stages as `auton slm ...` in a child process:
 * the orchestrator's event loop stays free, and a cancelled or timed-out call kills its process.
 *
 * What a stage measured is also written to disk by the tool (variants/<name>/report.json), so the
 * SLM flow checks the agents' claims against the measurements, not against what they say.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { readJsonl, toJsonl } from '../../slm/src/data/jsonl';
import { readGgufFile } from '../../slm/src/gguf/reader';
import { validateLlamaGguf } from '../../slm/src/gguf/validate';
import { countParams, PRESETS, quantizationProblem } from '../../slm/src/model/config';
import { formatPrompt } from '../../slm/src/model/prompt';
import { DEFAULT_TRAIN, resolveModelConfig, type TrainConfig, trainProblems } from '../../slm/src/train/config';
import { readTokenizer } from '../../slm/src/train/inputs';
import { type Example, INTENTS, type ModelConfig } from '../../slm/src/types';
import { defineTool, ok, ToolError } from './define';
import { relativeToRoot, resolveInWorktree, truncateOutput } from './sandbox';
import type { Tool, ToolContext } from './types';

/** Bounds on what one call may ask for; the flow may lower them. */
export interface SlmLimits {
  maxParameters: number;
  maxSteps: number;
  maxBatchSize: number;
  maxContextLength: number;
  /** Examples one evaluation reads at most. */
  maxEvalExamples: number;
}

export const DEFAULT_SLM_LIMITS: SlmLimits = {
  maxParameters: 8_000_000,
  maxSteps: 20_000,
  maxBatchSize: 256,
  maxContextLength: 1024,
  maxEvalExamples: 2000,
};

export interface SlmToolOptions {
  /** The repository holding slm/ (its dataset is the source of `slm_data slice`). Default: the nearest folder above the workspace that has slm/configs. */
  repoRoot?: string;
  limits?: Partial<SlmLimits>;
}

/** Folders inside the workspace, fixed so that every stage finds the previous one's files. */
export const SLM_DATA_DIR = 'data';
export const SLM_VARIANTS_DIR = 'variants';
export const SLM_QUANTIZED_DIR = 'quantized';
export const SLM_EXPORT_DIR = 'export';
/** The task id of a training agent: it may train only its own variant. */
export const trainingTaskId = (variant: string): string => `train-${variant}`;

const SPLITS = ['train', 'validation', 'test', 'paraphrase'] as const;
const VARIANT_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
const PRESET_NAMES = Object.keys(PRESETS) as [keyof typeof PRESETS, ...(keyof typeof PRESETS)[]];
const TRAIN_TIMEOUT_MS = 60 * 60_000;
const EVAL_TIMEOUT_MS = 20 * 60_000;

// ---- the dataset card ------------------------------------------------------

export interface DatasetCard {
  dir: string;
  vocabSize: number;
  /** Examples per split and intent. */
  counts: Record<string, Record<string, number>>;
  totals: Record<string, number>;
}

/** Counts per split and intent of a dataset folder (train/validation/test[/paraphrase].jsonl + tokenizer.json). */
export function datasetCard(dir: string, label = dir): DatasetCard {
  const missing = ['train', 'validation', 'test'].map((s) => `${s}.jsonl`).concat('tokenizer.json').filter((f) => !existsSync(join(dir, f)));
  if (missing.length) throw new ToolError(`${label} is not a dataset folder: ${missing.join(', ')} missing; build one with slm_data (action "slice" or "build")`);
  const counts: Record<string, Record<string, number>> = {};
  const totals: Record<string, number> = {};
  for (const split of SPLITS) {
    const file = join(dir, `${split}.jsonl`);
    if (!existsSync(file)) continue;
    const examples = readJsonl(file);
    counts[split] = Object.fromEntries(INTENTS.map((i) => [i, examples.filter((e) => e.intent === i).length]));
    totals[split] = examples.length;
  }
  return { dir: label, vocabSize: readTokenizer(dir).data.tokens.length, counts, totals };
}

export function formatCard(card: DatasetCard): string {
  const splits = Object.keys(card.totals);
  const rows = INTENTS.map((i) => `${i.padEnd(18)} ${splits.map((s) => String(card.counts[s]?.[i] ?? 0).padStart(10)).join('')}`);
  return [
    `dataset ${card.dir}: tokenizer ${card.vocabSize} tokens`,
    `${'intent'.padEnd(18)} ${splits.map((s) => s.padStart(10)).join('')}`,
    ...rows,
    `${'total'.padEnd(18)} ${splits.map((s) => String(card.totals[s]).padStart(10)).join('')}`,
  ].join('\n');
}

/** Up to `perIntent` examples of each intent, spread over the set so every template keeps a share. */
export function sliceExamples(examples: readonly Example[], perIntent: number): Example[] {
  const keep = new Set<Example>();
  for (const intent of INTENTS) {
    const of = examples.filter((e) => e.intent === intent);
    const step = Math.max(1, of.length / perIntent);
    for (let k = 0; k < Math.min(perIntent, of.length); k++) keep.add(of[Math.floor(k * step)]!);
  }
  return examples.filter((e) => keep.has(e));
}

// ---- a training variant ----------------------------------------------------

const variantShape = {
  preset: z.enum(PRESET_NAMES).optional().describe('model shape to start from (micro, tiny, small, ...); the fields below override it'),
  dim: z.int().min(8).max(4096).optional().describe('embedding width'),
  layers: z.int().min(1).max(64).optional(),
  heads: z.int().min(1).max(64).optional(),
  kvHeads: z.int().min(1).max(64).optional(),
  hiddenDim: z.int().min(8).max(16384).optional().describe('feed-forward width'),
  contextLength: z.int().min(16).max(1 << 16).optional(),
  steps: z.int().min(1).max(1_000_000).describe('optimizer steps'),
  batchSize: z.int().min(1).max(4096).default(32),
  lr: z.number().positive().max(1).describe('peak learning rate'),
  minLr: z.number().min(0).max(1).optional().describe('final learning rate (default lr / 10)'),
  warmupSteps: z.int().min(0).optional().describe('default: 5% of steps'),
  weightDecay: z.number().min(0).max(1).default(0.1),
  seed: z.int().min(0).max(0xffffffff).default(1),
  intentWeight: z.number().positive().max(100).default(3).describe('loss weight of the intent tokens'),
  requestDropout: z.number().min(0).max(0.9).default(0),
};

export const VariantSchema = z.strictObject(variantShape);
export type Variant = z.output<typeof VariantSchema>;

export interface CheckedVariant {
  model: ModelConfig;
  train: TrainConfig;
  parameters: number;
  /** Why Q8_0/Q4_0 cannot store it, when they cannot. */
  quantization?: string;
}

/**
 * A variant as the trainer will run it, or a ToolError naming every problem and what to do:
 * unknown or unsound shapes, hyperparameters out of range, and anything over the limits.
 */
export function checkVariant(v: Variant, vocabSize: number, limits: SlmLimits, name = 'variant'): CheckedVariant {
  const problems: string[] = [];
  let model: ModelConfig | undefined;
  try {
    model = resolveModelConfig({
      ...(v.preset ? { preset: v.preset } : {}),
      ...(v.dim !== undefined ? { dim: v.dim } : {}),
      ...(v.layers !== undefined ? { nLayers: v.layers } : {}),
      ...(v.heads !== undefined ? { nHeads: v.heads } : {}),
      ...(v.kvHeads !== undefined ? { nKvHeads: v.kvHeads } : {}),
      ...(v.hiddenDim !== undefined ? { hiddenDim: v.hiddenDim } : {}),
      ...(v.contextLength !== undefined ? { contextLength: v.contextLength } : {}),
    }, vocabSize, name);
  } catch (error) {
    problems.push(`${(error as Error).message}`);
  }
  const train: TrainConfig = {
    ...DEFAULT_TRAIN,
    seed: v.seed, steps: v.steps, batchSize: v.batchSize, lr: v.lr, minLr: v.minLr ?? v.lr / 10,
    warmupSteps: v.warmupSteps ?? Math.floor(v.steps / 20), weightDecay: v.weightDecay, intentWeight: v.intentWeight,
    requestDropout: v.requestDropout, shards: Math.min(2, v.batchSize), loss: 'answer',
    checkpointEvery: 0, evalEvery: v.steps,
  };
  problems.push(...trainProblems(train));
  if (train.warmupSteps > train.steps) problems.push(`warmupSteps (${train.warmupSteps}) is more than steps (${train.steps})`);
  if (v.steps > limits.maxSteps) problems.push(`steps ${v.steps} is over the limit of ${limits.maxSteps}`);
  if (v.batchSize > limits.maxBatchSize) problems.push(`batchSize ${v.batchSize} is over the limit of ${limits.maxBatchSize}`);
  let parameters = 0;
  if (model) {
    parameters = countParams(model).total;
    if (parameters > limits.maxParameters) {
      problems.push(`the model would have ${parameters.toLocaleString('en-US')} parameters, over the limit of ${limits.maxParameters.toLocaleString('en-US')}: lower dim, layers or hiddenDim`);
    }
    if (model.contextLength > limits.maxContextLength) problems.push(`contextLength ${model.contextLength} is over the limit of ${limits.maxContextLength}`);
  }
  if (problems.length || !model) throw new ToolError(`${name} cannot be trained: ${problems.join('; ')}`);
  return { model, train, parameters, quantization: quantizationProblem(model) };
}

/** What slm_train measured, as written to variants/<name>/report.json. */
export interface VariantReport {
  variant: string;
  hyperparameters: Variant;
  model: ModelConfig;
  parameters: number;
  steps: number;
  finalLoss: number;
  valLoss?: number;
  seconds: number;
  /** Path relative to the workspace. */
  checkpoint: string;
  validation: EvalSummary;
}

export interface EvalSummary {
  set: string;
  examples: number;
  intentAccuracy: number;
  perplexity?: number;
}

export interface ExportedFile {
  format: 'gguf' | 'onnx';
  /** Relative to the workspace. */
  path: string;
  type: string;
  validated: boolean;
  /** llama.cpp loaded it and generated from it. */
  llamaCpp: boolean;
}

export const variantDir = (root: string, variant: string): string => join(root, SLM_VARIANTS_DIR, variant);
export const variantReportFile = (root: string, variant: string): string => join(variantDir(root, variant), 'report.json');

export function readVariantReport(root: string, variant: string): VariantReport | undefined {
  const file = variantReportFile(root, variant);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as VariantReport) : undefined;
}

// ---- the pipeline in a child process --------------------------------------

/**
 * `auton slm <args>` as a child process: dist/cli.js next to the bundle, or, from source (tests),
 * src/cli.ts behind tsx. Resolves with the parsed JSON of stdout; a failure is a ToolError with
 * the command's own message.
 */
export async function runSlmCli(args: string[], o: { cwd: string; signal?: AbortSignal; json?: boolean }): Promise<unknown> {
  const bundled = join(__dirname, 'cli.js');
  const nodeArgs = existsSync(bundled)
    ? [bundled, 'slm', ...args]
    : ['--import', createRequire(__filename).resolve('tsx'), join(__dirname, '..', 'cli.ts'), 'slm', ...args];
  return new Promise((resolvePromise, reject) => {
    if (o.signal?.aborted) {
      reject(new ToolError('cancelled before it started'));
      return;
    }
    const child = spawn(process.execPath, nodeArgs, { cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const onAbort = () => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => reject(new ToolError(`could not start the SLM pipeline: ${error.message}`)));
    child.on('close', (code, signal) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (code !== 0) {
        const said = stderr.trim().split('\n').filter((l) => !/^npm warn/i.test(l)).join('\n');
        reject(new ToolError(`auton slm ${args[0]} ${signal ? `was stopped (${signal})` : `failed (exit ${code})`}: ${truncateOutput(said || '(no message)', { maxLines: 15, maxBytes: 2000, keep: 'tail' })}`));
        return;
      }
      if (o.json === false) {
        resolvePromise(stdout);
        return;
      }
      try {
        resolvePromise(JSON.parse(stdout.slice(stdout.indexOf('{'))) as unknown);
      } catch {
        reject(new ToolError(`auton slm ${args[0]} printed no JSON result: ${truncateOutput(stdout, { maxLines: 10, maxBytes: 1000 })}`));
      }
    });
  });
}

interface CliSetReport {
  name: string;
  examples: number;
  intent: { accuracy: number; correct: number; total: number };
  perplexity?: { perplexity: number };
  confusion: Record<string, Record<string, number>>;
  mistakes: { request: string; gold: string; predicted: string }[];
}

async function evaluate(ctx: ToolContext, model: string, dataDir: string, set: 'validation' | 'test', limit: number): Promise<CliSetReport> {
  const out = await runSlmCli(['eval', '--model', model, '--data', dataDir, '--sets', set, '--limit', String(limit), '--json'], { cwd: ctx.root, signal: ctx.signal }) as { reports: CliSetReport[] };
  const report = out.reports[0];
  if (!report) throw new ToolError(`auton slm eval returned no report for ${set}`);
  return report;
}

const summaryOf = (r: CliSetReport): EvalSummary => ({
  set: r.name, examples: r.examples, intentAccuracy: r.intent.accuracy,
  ...(r.perplexity ? { perplexity: r.perplexity.perplexity } : {}),
});

function confusionTable(c: CliSetReport['confusion']): string {
  const cols = [...INTENTS, 'none'] as const;
  const short = (s: string) => s.slice(0, 8);
  return [`gold \\ predicted  ${cols.map((x) => short(x).padStart(9)).join('')}`,
    ...INTENTS.map((g) => `${g.padEnd(18)}${cols.map((p) => String(c[g]?.[p] ?? 0).padStart(9)).join('')}`)].join('\n');
}

// ---- the tools ------------------------------------------------------------

const workspacePath = z.string().min(1).max(512).describe('a path inside your workspace (relative to it)');

export function createSlmTools(options: SlmToolOptions = {}): Tool[] {
  const limits: SlmLimits = { ...DEFAULT_SLM_LIMITS, ...options.limits };
  const repoOf = (ctx: ToolContext): string => {
    const repo = options.repoRoot ?? findSlmRepo(ctx.root);
    if (!repo) throw new ToolError('no repository with slm/ found above the workspace: the SLM tools run inside an AUTON checkout');
    return repo;
  };
  const dataDirOf = (ctx: ToolContext, dataset: string | undefined): string => resolveInWorktree(ctx.root, dataset ?? SLM_DATA_DIR);
  const rel = (ctx: ToolContext, abs: string): string => relativeToRoot(ctx.root, abs);

  const data = defineTool({
    name: 'slm_data',
    description:
      'The run\'s dataset (folder data/ of your workspace). action "inspect": counts per split and intent of a dataset ' +
      '("source" = the repository\'s dataset, read-only). "slice": copy at most per_intent examples of each intent and split ' +
      'from the source dataset into data/ (fast; same tokenizer). "build": rebuild the corpus and tokenizer from pci.ids and ' +
      'modules.alias into data/ (minutes).',
    effect: 'exec',
    timeoutMs: 30 * 60_000,
    input: z.strictObject({
      action: z.enum(['inspect', 'slice', 'build']),
      dataset: z.string().min(1).max(512).optional().describe('inspect: "source" or a folder of your workspace (default data)'),
      per_intent: z.int().min(1).max(5000).optional().describe('slice: examples per intent and split (required for slice)'),
      size: z.int().min(60).max(50_000).default(2000).describe('build: train + validation + test examples'),
      seed: z.int().min(0).max(0xffffffff).default(1).describe('build: seed of every random choice'),
      vocab_size: z.int().min(300).max(8192).default(1024).describe('build: tokenizer vocabulary'),
    }),
    async run(input, ctx) {
      const source = join(repoOf(ctx), 'slm', 'data');
      const target = join(ctx.root, SLM_DATA_DIR);
      if (input.action === 'inspect') {
        const dir = input.dataset === 'source' ? source : dataDirOf(ctx, input.dataset);
        const card = datasetCard(dir, input.dataset === 'source' ? 'source (slm/data)' : rel(ctx, dir));
        return ok(formatCard(card), card);
      }
      if (input.action === 'slice') {
        if (input.per_intent === undefined) throw new ToolError('slice needs per_intent: how many examples of each intent to keep per split (e.g. 40)');
        datasetCard(source, 'the source dataset (slm/data)');
        mkdirSync(target, { recursive: true });
        for (const split of SPLITS) {
          const file = join(source, `${split}.jsonl`);
          if (existsSync(file)) writeFileSync(join(target, `${split}.jsonl`), toJsonl(sliceExamples(readJsonl(file), input.per_intent)));
        }
        copyFileSync(join(source, 'tokenizer.json'), join(target, 'tokenizer.json'));
      } else {
        const repo = repoOf(ctx);
        await runSlmCli(['data', '--out', target, '--size', String(input.size), '--seed', String(input.seed), '--vocab-size', String(input.vocab_size), '--root', repo, '--json'],
          { cwd: ctx.root, signal: ctx.signal });
      }
      const card = datasetCard(target, SLM_DATA_DIR);
      writeFileSync(join(target, 'card.json'), `${JSON.stringify(card, null, 2)}\n`);
      return ok(`${input.action === 'slice' ? `sliced ${input.per_intent} per intent from slm/data` : 'built'} into ${SLM_DATA_DIR}/\n${formatCard(card)}`, card);
    },
  });

  const train = defineTool({
    name: 'slm_train',
    description:
      'Train one hyperparameter variant on the run\'s dataset (train split; validation held out) and measure it on the validation set. ' +
      'Writes variants/<variant>/model.ckpt and report.json. Answers the final loss, validation loss, intent accuracy and perplexity.',
    effect: 'exec',
    timeoutMs: TRAIN_TIMEOUT_MS,
    input: z.strictObject({
      variant: z.string().regex(VARIANT_NAME, 'a short name: lowercase letters, digits and "-" (e.g. "lr-high")'),
      dataset: workspacePath.optional().describe('dataset folder in your workspace (default data)'),
      eval_limit: z.int().min(1).max(5000).default(300).describe('validation examples to measure (spread over the set)'),
      ...variantShape,
    }),
    async run(input, ctx) {
      const { variant, dataset, eval_limit: evalLimit, ...hyper } = input;
      const own = /^train-(.+)$/.exec(ctx.taskId)?.[1];
      if (own !== undefined && own !== variant) throw new ToolError(`you run variant "${own}", not "${variant}": train "${own}"`);
      if (evalLimit > limits.maxEvalExamples) throw new ToolError(`eval_limit ${evalLimit} is over the limit of ${limits.maxEvalExamples}`);
      const dataDir = dataDirOf(ctx, dataset);
      const card = datasetCard(dataDir, dataset ?? SLM_DATA_DIR);
      const checked = checkVariant(hyper, card.vocabSize, limits, `variant "${variant}"`);
      if (readVariantReport(ctx.root, variant)) throw new ToolError(`variant "${variant}" is already trained (${SLM_VARIANTS_DIR}/${variant}/report.json): choose another name`);
      const dir = variantDir(ctx.root, variant);
      mkdirSync(dir, { recursive: true });
      const runFile = join(dir, 'run.json');
      const { dim, nLayers, nHeads, nKvHeads, hiddenDim, contextLength, normEps, ropeTheta } = checked.model;
      const shape = { dim, nLayers, nHeads, nKvHeads, hiddenDim, contextLength, normEps, ropeTheta };
      writeFileSync(runFile, `${JSON.stringify({
        name: variant, model: shape, train: checked.train, data: { dir: dataDir, trainOn: ['train'] }, output: { dir },
      }, null, 2)}\n`);
      const ckpt = join(dir, 'model.ckpt');
      const trained = await runSlmCli(['train', '--config', runFile, '--out', ckpt, '--threads', '1', '--json'], { cwd: ctx.root, signal: ctx.signal }) as {
        steps: number; finalLoss: number; valLoss?: number; seconds: number; parameters: number;
      };
      const measured = await evaluate(ctx, ckpt, dataDir, 'validation', evalLimit);
      const report: VariantReport = {
        variant, hyperparameters: hyper, model: checked.model, parameters: checked.parameters, steps: trained.steps,
        finalLoss: trained.finalLoss, ...(trained.valLoss !== undefined ? { valLoss: trained.valLoss } : {}),
        seconds: trained.seconds, checkpoint: rel(ctx, ckpt), validation: summaryOf(measured),
      };
      writeFileSync(variantReportFile(ctx.root, variant), `${JSON.stringify(report, null, 2)}\n`);
      const v = report.validation;
      return ok([
        `variant ${variant}: ${checked.parameters.toLocaleString('en-US')} parameters, ${report.steps} steps in ${report.seconds.toFixed(1)} s`,
        `final loss ${report.finalLoss.toFixed(4)}${report.valLoss !== undefined ? `, validation loss ${report.valLoss.toFixed(4)}` : ''}`,
        `validation (${v.examples} examples): intent accuracy ${(v.intentAccuracy * 100).toFixed(1)}%${v.perplexity !== undefined ? `, perplexity ${v.perplexity.toFixed(3)}` : ''}`,
        `checkpoint ${report.checkpoint}${checked.quantization ? `\nnote: not quantizable (${checked.quantization})` : ''}`,
      ].join('\n'), report);
    },
  });

  const evalTool = defineTool({
    name: 'slm_eval',
    description:
      'Evaluate a model of your workspace (a .ckpt checkpoint or a .gguf) on the validation or test split: intent accuracy, ' +
      'perplexity of the intent and answer tokens, confusion table, a few mistakes. The paraphrase set is not offered: it stays for the final report.',
    effect: 'exec',
    timeoutMs: EVAL_TIMEOUT_MS,
    input: z.strictObject({
      model: workspacePath.describe('checkpoint or GGUF in your workspace, e.g. variants/base/model.ckpt'),
      set: z.string().default('validation').describe('"validation" (to compare variants) or "test"'),
      limit: z.int().min(1).max(5000).default(300).describe('examples to evaluate, spread over the set'),
      dataset: workspacePath.optional().describe('dataset folder (default data)'),
    }),
    async run(input, ctx) {
      if (input.set === 'paraphrase') {
        throw new ToolError('the paraphrase set is not used to choose or tune models: it is kept for the final report. Evaluate on "validation" (to compare) or "test"');
      }
      if (input.set !== 'validation' && input.set !== 'test') throw new ToolError(`set must be "validation" or "test", got "${input.set}"`);
      if (input.limit > limits.maxEvalExamples) throw new ToolError(`limit ${input.limit} is over the limit of ${limits.maxEvalExamples}`);
      const model = existingModel(ctx, input.model);
      const dataDir = dataDirOf(ctx, input.dataset);
      datasetCard(dataDir, input.dataset ?? SLM_DATA_DIR);
      const r = await evaluate(ctx, model, dataDir, input.set, input.limit);
      const summary = summaryOf(r);
      return ok([
        `${rel(ctx, model)} on ${r.name} (${r.examples} examples): intent accuracy ${(r.intent.accuracy * 100).toFixed(1)}% (${r.intent.correct}/${r.intent.total})` +
          `${r.perplexity ? `, perplexity ${r.perplexity.perplexity.toFixed(3)}` : ''}`,
        confusionTable(r.confusion),
        ...(r.mistakes.length ? ['some mistakes:', ...r.mistakes.slice(0, 5).map((m) => `  [${m.gold} -> ${m.predicted || '?'}] ${m.request}`)] : []),
      ].join('\n'), { ...summary, model: rel(ctx, model), confusion: r.confusion });
    },
  });

  const quantize = defineTool({
    name: 'slm_quantize',
    description:
      'Quantize a checkpoint (or F32 GGUF) of your workspace to Q8_0 or Q4_0 GGUF and measure the intent accuracy change from F32 on the validation set.',
    effect: 'exec',
    timeoutMs: EVAL_TIMEOUT_MS,
    input: z.strictObject({
      model: workspacePath.describe('checkpoint or F32 GGUF, e.g. variants/base/model.ckpt'),
      type: z.enum(['q8_0', 'q4_0']),
      out: workspacePath.optional().describe('output .gguf (default quantized/<variant>-<type>.gguf)'),
      eval_limit: z.int().min(1).max(5000).default(200).describe('validation examples for the accuracy change'),
    }),
    async run(input, ctx) {
      if (input.eval_limit > limits.maxEvalExamples) throw new ToolError(`eval_limit ${input.eval_limit} is over the limit of ${limits.maxEvalExamples}`);
      const model = existingModel(ctx, input.model);
      const out = outputPath(ctx, input.out, model, SLM_QUANTIZED_DIR, `-${input.type}.gguf`);
      const validation = join(dataDirOf(ctx, undefined), 'validation.jsonl');
      if (!existsSync(validation)) throw new ToolError(`${SLM_DATA_DIR}/validation.jsonl is missing: the run's dataset is not built`);
      const r = await runSlmCli(['quantize', '--in', model, '--type', input.type, '--out', out, '--eval', validation, '--eval-limit', String(input.eval_limit), '--json'],
        { cwd: ctx.root, signal: ctx.signal }) as { bytes: number; f32Bytes: number; accuracy?: { examples: number; f32: number; quantized: number; delta: number } };
      const a = r.accuracy;
      const data = { file: rel(ctx, out), type: input.type.toUpperCase(), bytes: r.bytes, f32Bytes: r.f32Bytes, ...(a ? { accuracy: a } : {}) };
      return ok(`wrote ${data.file}: ${data.type}, ${r.bytes} bytes (F32 ${r.f32Bytes})` +
        (a ? `\nintent accuracy on ${a.examples} validation examples: F32 ${(a.f32 * 100).toFixed(1)}% -> ${data.type} ${(a.quantized * 100).toFixed(1)}% (${a.delta >= 0 ? '+' : ''}${(a.delta * 100).toFixed(1)} points)` : ''), data);
    },
  });

  const exportTool = defineTool({
    name: 'slm_export',
    description:
      'Export a model of your workspace as GGUF v3 (f32, f16, q8_0 or q4_0), validate it, load it in llama.cpp (node-llama-cpp) and let it ' +
      'answer one request; optionally also ONNX. Writes into export/.',
    effect: 'exec',
    timeoutMs: EVAL_TIMEOUT_MS,
    input: z.strictObject({
      model: workspacePath.describe('checkpoint or GGUF, e.g. variants/base/model.ckpt'),
      type: z.enum(['f32', 'f16', 'q8_0', 'q4_0']).default('q8_0'),
      out: workspacePath.optional().describe('output .gguf (default export/<name>-<type>.gguf)'),
      onnx: z.boolean().default(false).describe('also write an ONNX file beside it'),
    }),
    async run(input, ctx) {
      const model = existingModel(ctx, input.model);
      const out = outputPath(ctx, input.out, model, SLM_EXPORT_DIR, `-${input.type}.gguf`);
      if (model.endsWith('.gguf') && resolve(model) === resolve(out)) throw new ToolError('out is the input file: choose another name');
      await runSlmCli(['export', '--format', 'gguf', '--in', model, '--out', out, '--type', input.type, '--json'], { cwd: ctx.root, signal: ctx.signal });
      let info;
      try {
        info = validateLlamaGguf(readGgufFile(out));
      } catch (error) {
        throw new ToolError(`${rel(ctx, out)} was written but is not a valid llama GGUF: ${(error as Error).message}`);
      }
      const request = 'what is the pci id of the Intel UHD Graphics?';
      const generated = await runSlmCli(['generate', formatPrompt(request), '--model', out, '--engine', 'llamacpp', '--max-tokens', '16', '--threads', '1'], { cwd: ctx.root, signal: ctx.signal, json: false });
      const files: ExportedFile[] = [{ format: 'gguf', path: rel(ctx, out), type: input.type.toUpperCase(), validated: true, llamaCpp: true }];
      let onnxNote = '';
      if (input.onnx) {
        const onnx = out.replace(/\.gguf$/, '.onnx');
        await runSlmCli(['export', '--format', 'onnx', '--in', model, '--out', onnx, '--json'], { cwd: ctx.root, signal: ctx.signal });
        files.push({ format: 'onnx', path: rel(ctx, onnx), type: 'F32', validated: existsSync(onnx), llamaCpp: false });
        onnxNote = `\nwrote ${rel(ctx, onnx)} (ONNX)`;
      }
      return ok(`wrote ${rel(ctx, out)}: GGUF v3 ${input.type.toUpperCase()}, valid (${info.config.nLayers} layers, dim ${info.config.dim}, vocab ${info.tokenizer.tokens.length}); ` +
        `llama.cpp loaded it and answered "${request}" with: ${JSON.stringify(String(generated).trim())}${onnxNote}`, { files, llamaCppOutput: String(generated) });
    },
  });

  return [data, train, evalTool, quantize, exportTool];
}

/** The nearest folder at or above `start` that holds slm/configs (an AUTON checkout). */
export function findSlmRepo(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'slm', 'configs'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function existingModel(ctx: ToolContext, path: string): string {
  const abs = resolveInWorktree(ctx.root, path);
  if (!abs.endsWith('.ckpt') && !abs.endsWith('.gguf')) throw new ToolError(`${path} is neither a checkpoint (.ckpt) nor a GGUF (.gguf)`);
  if (!existsSync(abs)) throw new ToolError(`${path} does not exist in your workspace: train a variant first (slm_train) or use a path slm_train/slm_quantize reported`);
  return abs;
}

/** `out` inside the workspace (a .gguf), or <folder>/<variant or stem><suffix>. */
function outputPath(ctx: ToolContext, out: string | undefined, model: string, folder: string, suffix: string): string {
  let abs: string;
  if (out !== undefined) {
    abs = resolveInWorktree(ctx.root, out);
    if (!abs.endsWith('.gguf')) throw new ToolError(`out must name a .gguf file, got "${out}"`);
  } else {
    const parts = relative(ctx.root, model).split(/[\\/]/);
    const stem = parts[0] === SLM_VARIANTS_DIR && parts[1] ? parts[1] : (parts[parts.length - 1] ?? 'model').replace(/(-(f32|f16|q8_0|q4_0))?\.(ckpt|gguf)$/, '');
    abs = join(ctx.root, folder, `${stem}${suffix}`);
  }
  mkdirSync(dirname(abs), { recursive: true });
  return abs;
}
