/**
 * The slm_* tools' checks, which all answer before any training starts: bounded and sound
 * configurations, the paraphrase set kept out of selection, paths inside the workspace, each
 * training agent on its own variant; and the dataset slice and card on a small real dataset.
 * The pipeline itself runs in test/integration/slmFlow.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EvaluationReport } from '../../../src/agents/slmTeam';
import { Rejected, variantConfig, verifyWinner } from '../../../src/core/slmFlow';
import { ToolError } from '../../../src/tools/define';
import { ToolRegistry } from '../../../src/tools/registry';
import { checkVariant, DEFAULT_SLM_LIMITS, sliceExamples, type VariantReport, VariantSchema } from '../../../src/tools/slm';
import { readJsonl } from '../../../slm/src/data/jsonl';
import { context, removeDir, scratchDir, writeFiles } from './helpers';

const REPO = join(__dirname, '..', '..', '..');
const SMALL = { dim: 32, layers: 1, heads: 2, kvHeads: 1, hiddenDim: 64, contextLength: 128, steps: 10, lr: 0.01 };
const variant = (over: Record<string, unknown> = {}) => VariantSchema.parse({ ...SMALL, ...over });

describe('SLM tools', () => {
  describe('checkVariant', () => {
    it('resolves a sound variant with its parameter count and train config', () => {
      const c = checkVariant(variant({ batchSize: 8 }), 1024, DEFAULT_SLM_LIMITS, 'v');
      assert.equal(c.model.dim, 32);
      assert.equal(c.model.vocabSize, 1024);
      assert.equal(c.parameters, 74_848);
      assert.equal(c.train.steps, 10);
      assert.equal(c.train.minLr, 0.001);
      assert.equal(c.quantization, undefined);
    });

    it('refuses a billion-parameter model, naming the count and what to lower', () => {
      assert.throws(() => checkVariant(variant({ preset: 'medium', dim: 4096, layers: 64, hiddenDim: 16384, heads: 32, kvHeads: 8 }), 1024, DEFAULT_SLM_LIMITS, 'variant "huge"'),
        (e: Error) => e instanceof ToolError && /^variant "huge" cannot be trained: the model would have 1?\d,\d{3},\d{3},\d{3} parameters, over the limit of 8,000,000: lower dim, layers or hiddenDim/.test(e.message));
    });

    it('names every unsound field at once', () => {
      assert.throws(() => checkVariant(variant({ dim: 30, heads: 4, warmupSteps: 50 }), 1024, DEFAULT_SLM_LIMITS),
        (e: Error) => /dim 30 is not a multiple of nHeads 4/.test(e.message));
      assert.throws(() => checkVariant(variant({ steps: 50_000 }), 1024, DEFAULT_SLM_LIMITS), /steps 50000 is over the limit of 20000/);
      assert.throws(() => checkVariant(variant({ warmupSteps: 11 }), 1024, DEFAULT_SLM_LIMITS), /warmupSteps \(11\) is more than steps \(10\)/);
      assert.throws(() => checkVariant(variant({ minLr: 0.5 }), 1024, DEFAULT_SLM_LIMITS), /train.minLr must be between 0 and lr/);
      assert.throws(() => checkVariant(variant({ layers: undefined }), 1024, DEFAULT_SLM_LIMITS), /lacks nLayers: give a "preset" or every field/);
      assert.throws(() => checkVariant(variant({ contextLength: 4096 }), 1024, DEFAULT_SLM_LIMITS), /contextLength 4096 is over the limit of 1024/);
    });

    it('says when a shape cannot be quantized', () => {
      assert.match(checkVariant(variant({ preset: 'micro', dim: undefined, layers: undefined, heads: undefined, kvHeads: undefined, hiddenDim: undefined, contextLength: 128 }), 1024, DEFAULT_SLM_LIMITS).quantization ?? '',
        /dim 16 is not a multiple of 32/);
    });
  });

  it('slices a set evenly per intent', () => {
    const examples = readJsonl(join(REPO, 'slm', 'data', 'validation.jsonl'));
    const slice = sliceExamples(examples, 5);
    const per = (intent: string) => slice.filter((e) => e.intent === intent).length;
    assert.deepEqual(['HARDWARE_IDENTIFY', 'DRIVER_SELECT', 'INSTALL_CONFIGURE', 'APP_INSTALL', 'SYSTEM_MANAGE', 'TROUBLESHOOT'].map(per), [5, 5, 5, 5, 5, 5]);
    assert.ok(new Set(slice.map((e) => e.template)).size > 6, 'several templates per intent');
    assert.deepEqual(slice, examples.filter((e) => slice.includes(e)), 'in the set\'s order');
  });

  describe('the tools through the registry', () => {
    let ws: string;
    let repo: string;
    let registry: ToolRegistry;

    before(() => {
      repo = scratchDir('slm-repo');
      // A real dataset folder, small: slices of the repository's files.
      const examples = (set: string) => readFileSync(join(REPO, 'slm', 'data', `${set}.jsonl`), 'utf8').split('\n').slice(0, 120).join('\n');
      writeFiles(repo, {
        'slm/data/train.jsonl': examples('train'), 'slm/data/validation.jsonl': examples('validation'),
        'slm/data/test.jsonl': examples('test'), 'slm/data/paraphrase.jsonl': examples('paraphrase'),
        'slm/data/tokenizer.json': readFileSync(join(REPO, 'slm', 'data', 'tokenizer.json'), 'utf8'),
      });
      registry = new ToolRegistry({ slm: { repoRoot: repo } });
    });
    beforeEach(() => {
      ws = scratchDir('slm-ws');
    });
    afterEach(() => removeDir(ws));
    after(() => removeDir(repo));

    const run = (name: string, input: unknown, role: string, taskId = 'task1') => registry.runTool(name, input, context(ws, role, { taskId }));

    it('slices the source dataset per intent and split, and inspects it', async () => {
      const r = await run('slm_data', { action: 'slice', per_intent: 3 }, 'dataScientist');
      assert.equal(r.ok, true, r.output);
      const card = r.data as { totals: Record<string, number>; counts: Record<string, Record<string, number>>; vocabSize: number };
      assert.equal(card.vocabSize, 1024);
      for (const [intent, n] of Object.entries(card.counts.train ?? {})) assert.ok(n <= 3, intent);
      assert.equal(card.totals.train, readJsonl(join(ws, 'data', 'train.jsonl')).length);
      assert.ok(existsSync(join(ws, 'data', 'card.json')) && existsSync(join(ws, 'data', 'tokenizer.json')));
      const inspected = await run('slm_data', { action: 'inspect' }, 'dataScientist');
      assert.match(inspected.output, /^dataset data: tokenizer 1024 tokens\nintent/);
      const missing = await run('slm_data', { action: 'slice' }, 'dataScientist');
      assert.match(missing.output, /slice needs per_intent/);
    });

    it('refuses bad training requests before any work, with what to do', async () => {
      await run('slm_data', { action: 'slice', per_intent: 3 }, 'dataScientist');
      const huge = await run('slm_train', { variant: 'huge', preset: 'base', layers: 60, steps: 10, lr: 0.01 }, 'training', 'train-huge');
      assert.equal(huge.ok, false);
      assert.match(huge.output, /over the limit of 8,000,000: lower dim, layers or hiddenDim/);
      const outside = await run('slm_train', { variant: 'a', dataset: '/etc', ...SMALL }, 'training', 'train-a');
      assert.match(outside.output, /\/etc is outside the worktree/);
      const escape = await run('slm_train', { variant: 'a', dataset: '../..', ...SMALL }, 'training', 'train-a');
      assert.match(escape.output, /leaves the worktree/);
      const other = await run('slm_train', { variant: 'b', ...SMALL }, 'training', 'train-a');
      assert.match(other.output, /you run variant "a", not "b": train "a"/);
      const badName = await run('slm_train', { variant: '../x', ...SMALL }, 'training', 'train-a');
      assert.match(badName.output, /a short name: lowercase letters/);
      const noData = await run('slm_train', { variant: 'a', dataset: 'nowhere', ...SMALL }, 'training', 'train-a');
      assert.match(noData.output, /nowhere is not a dataset folder: .* missing; build one with slm_data/);
      const negative = await run('slm_train', { variant: 'a', ...SMALL, lr: -1 }, 'training', 'train-a');
      assert.match(negative.output, /invalid input for slm_train/);
      assert.ok(!existsSync(join(ws, 'variants')), 'nothing was trained');
    });

    it('keeps the paraphrase set out of evaluation and checks the model path', async () => {
      await run('slm_data', { action: 'slice', per_intent: 3 }, 'dataScientist');
      writeFiles(ws, { 'variants/a/model.ckpt': 'not really' });
      const para = await run('slm_eval', { model: 'variants/a/model.ckpt', set: 'paraphrase' }, 'evaluation');
      assert.match(para.output, /paraphrase set is not used to choose or tune models/);
      const train = await run('slm_eval', { model: 'variants/a/model.ckpt', set: 'train' }, 'evaluation');
      assert.match(train.output, /set must be "validation" or "test", got "train"/);
      const gone = await run('slm_eval', { model: 'variants/b/model.ckpt' }, 'evaluation');
      assert.match(gone.output, /variants\/b\/model.ckpt does not exist in your workspace/);
      const kind = await run('slm_quantize', { model: 'data/card.json', type: 'q8_0' }, 'quantization');
      assert.match(kind.output, /neither a checkpoint \(.ckpt\) nor a GGUF/);
      const out = await run('slm_export', { model: 'variants/a/model.ckpt', out: '../../x.gguf' }, 'export');
      assert.match(out.output, /leaves the worktree/);
      const type = await run('slm_quantize', { model: 'variants/a/model.ckpt', type: 'q5_k' }, 'quantization');
      assert.match(type.output, /invalid input for slm_quantize/);
      const role = await run('slm_train', { variant: 'a', ...SMALL }, 'evaluation');
      assert.match(role.output, /the evaluation role cannot use slm_train/);
    });
  });

  describe('the winner check', () => {
    const report = (variant: string, acc: number, ppl: number): VariantReport => ({
      variant, hyperparameters: variant as never, model: {} as never, parameters: 1, steps: 1, finalLoss: 1, seconds: 1, checkpoint: `variants/${variant}/model.ckpt`,
      validation: { set: 'validation', examples: 60, intentAccuracy: acc, perplexity: ppl },
    });
    const reports = [report('a', 0.5, 20), report('b', 0.6, 25), report('c', 0.6, 22)];
    const pick = (winner: string, metrics: EvaluationReport['metrics'] = []) => verifyWinner({ winner, metrics, reasons: 'r' }, reports, 0);

    it('accepts the best variant, any of a tie', () => {
      assert.equal(pick('b').winner, 'b');
      assert.equal(pick('c', [{ variant: 'c', intentAccuracy: 0.6, perplexity: 22.1 }]).winner, 'c');
    });

    it('refuses a variant that does not exist, a worse one, and figures that are not the measured ones', () => {
      assert.throws(() => pick('z'), (e: Error) => e instanceof Rejected && e.message === 'there is no trained variant "z": choose one of a, b, c');
      assert.throws(() => pick('a'), /a has validation intent accuracy 0.5000, below b's 0.6000/);
      assert.throws(() => pick('b', [{ variant: 'b', intentAccuracy: 0.9 }]), /b's validation intent accuracy was measured at 0.6000, not 0.9/);
      assert.throws(() => pick('b', [{ variant: 'b', intentAccuracy: 0.6, perplexity: 2 }]), /perplexity was measured at 25.0000, not 2/);
      assert.throws(() => pick('b', [{ variant: 'q', intentAccuracy: 0.6 }]), /the metrics name "q", which is not a trained variant/);
      assert.equal(verifyWinner({ winner: 'a', metrics: [], reasons: 'smaller' }, reports, 0.1).winner, 'a');
    });

    it('applies a variant\'s changes over the base', () => {
      const design = { base: VariantSchema.parse(SMALL), variants: [{ name: 'x', changes: { lr: 0.1 }, hypothesis: 'h' }], rationale: 'r' };
      assert.equal(variantConfig(design, 'x').lr, 0.1);
      assert.equal(variantConfig(design, 'x').dim, 32);
      assert.throws(() => variantConfig(design, 'y'), /no variant "y"/);
    });
  });
});
