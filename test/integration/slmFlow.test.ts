/**
 * The SLM team end to end: the real SDK talks to the scripted loopback server, whose agents call
 * the real slm_* tools on a slice of the repository's dataset: four variants train (two at a time,
 * in child processes), the Evaluation agent's pick is checked against the measurements, the
 * winner is quantized and exported, and node-llama-cpp loads the GGUF the run left behind.
 * A hostile training agent asks for an absurd model, a path outside its workspace and another
 * agent's variant: each gets a clear tool error and the run carries on.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProjectConfig } from '../../src/core/configFile';
import { RunLog } from '../../src/core/runLog';
import { SlmFlow, type SlmFlowSettings } from '../../src/core/slmFlow';
import { createSlmFlowDeps } from '../../src/core/slmWiring';
import { readVariantReport, type VariantReport } from '../../src/tools/slm';
import { formatPrompt } from '../../slm/src/model/prompt';
import { openLlamaCpp } from '../../slm/src/runtime/llamacpp';
import { MockLlmServer, type MockRequest, type ScriptedReply } from '../support/mockLlmServer';
import { call, filesContaining, lastResults, promptOf, REPO_ROOT, submit, TEST_KEY, turnOf } from './support/scenario';

type SlmRole = 'data' | 'architect' | 'training' | 'evaluation' | 'quantization' | 'export';

function slmRoleOf(req: MockRequest): SlmRole {
  const m = /You are the (Data Scientist|Model Architect|Training agent|Evaluation agent|Quantization agent|Export agent)/.exec(req.system);
  const roles: Record<string, SlmRole> = {
    'Data Scientist': 'data', 'Model Architect': 'architect', 'Training agent': 'training',
    'Evaluation agent': 'evaluation', 'Quantization agent': 'quantization', 'Export agent': 'export',
  };
  const role = m ? roles[m[1]!] : undefined;
  if (!role) throw new Error(`not an SLM role: ${req.system.slice(0, 200)}`);
  return role;
}

/** A small model that trains in seconds on one core; the variants differ in learning rate and depth. */
const BASE = { dim: 32, layers: 1, heads: 2, kvHeads: 1, hiddenDim: 64, contextLength: 128, steps: 60, batchSize: 16, lr: 0.01, seed: 1 };
const VARIANTS = [
  { name: 'lr-low', changes: { lr: 0.0005 }, hypothesis: 'too slow to learn in 60 steps' },
  { name: 'base', changes: {}, hypothesis: 'the base configuration' },
  { name: 'lr-high', changes: { lr: 0.03 }, hypothesis: 'a faster schedule' },
  { name: 'deep', changes: { layers: 2 }, hypothesis: 'one more layer' },
];
const HOSTILE = 'lr-high';
const EVAL_LIMIT = 60;

interface Table { name: string; accuracy: number; perplexity: number; checkpoint: string }

/** The variants' figures as the flow wrote them into the Evaluation agent's prompt. */
function tableOf(prompt: string): Table[] {
  return [...prompt.matchAll(/^- ([a-z0-9-]+): .*intent accuracy ([\d.]+), perplexity ([\d.]+); checkpoint (\S+)$/gm)]
    .map((m) => ({ name: m[1]!, accuracy: Number(m[2]), perplexity: Number(m[3]), checkpoint: m[4]! }));
}

/** The scripted SLM team; `seen` collects what the hostile calls were answered. */
function team(seen: Map<string, { content: string; isError: boolean }[]>) {
  return (req: MockRequest): ScriptedReply => {
    const turn = turnOf(req);
    const prompt = promptOf(req);
    const results = lastResults(req);
    switch (slmRoleOf(req)) {
      case 'data':
        if (turn === 0) return call('slm_data', { action: 'inspect', dataset: 'source' });
        if (turn === 1) return call('slm_data', { action: 'slice', per_intent: 30 });
        return submit({
          summary: 'a slice of slm/data: 30 examples per intent and split', action: 'slice',
          intents: ['HARDWARE_IDENTIFY', 'DRIVER_SELECT', 'INSTALL_CONFIGURE', 'APP_INSTALL', 'SYSTEM_MANAGE', 'TROUBLESHOOT'].map((intent) => ({ intent, examples: 30 })),
          leakageControls: ['the source splits are kept: templates of validation and test never appear in train'],
        });
      case 'architect':
        return submit({ base: BASE, variants: VARIANTS, rationale: 'a tiny model that fits the kernel; the variants test the learning rate and depth' });
      case 'training': {
        const variant = /Your variant: "([a-z0-9-]+)"/.exec(prompt)?.[1] ?? '';
        const config = JSON.parse(/configuration:\n(\{[\s\S]*?\n\})/.exec(prompt)?.[1] ?? '{}') as Record<string, unknown>;
        const proper = { variant, ...config, eval_limit: EVAL_LIMIT };
        if (variant === HOSTILE) {
          if (turn > 0) seen.set(`${variant}#${turn}`, results);
          if (turn === 0) return call('slm_train', { variant, preset: 'medium', dim: 4096, layers: 64, hiddenDim: 16384, steps: 10, lr: 0.01 });
          if (turn === 1) return call('slm_train', { ...proper, dataset: '../../../../../etc' });
          if (turn === 2) return call('slm_train', { ...proper, variant: 'base' });
          if (turn === 3) return call('slm_train', proper);
        } else if (turn === 0) {
          return call('slm_train', proper);
        }
        return submit({ variant, trained: results.every((r) => !r.isError), notes: results.map((r) => r.content).join('\n').slice(0, 300) });
      }
      case 'evaluation': {
        const table = tableOf(prompt);
        if (!prompt.includes('was rejected')) {
          if (turn === 0) return call('slm_eval', { model: table[0]?.checkpoint ?? '', set: 'paraphrase' });
          seen.set('evaluation#paraphrase', results);
          // A winner that does not exist: the flow must refuse it.
          return submit({ winner: 'gpt-5', metrics: table.map((t) => ({ variant: t.name, intentAccuracy: t.accuracy })), reasons: 'it is famous' });
        }
        const best = [...table].sort((a, b) => b.accuracy - a.accuracy || a.perplexity - b.perplexity)[0]!;
        return submit({
          winner: best.name, reasons: `best validation intent accuracy ${best.accuracy}`,
          metrics: table.map((t) => ({ variant: t.name, intentAccuracy: t.accuracy, perplexity: t.perplexity })),
        });
      }
      case 'quantization': {
        const checkpoint = /checkpoint (\S+)/.exec(prompt)?.[1] ?? '';
        if (turn === 0) return call('slm_quantize', { model: checkpoint, type: 'q8_0', eval_limit: 30 });
        seen.set(`quantize#${turn}`, results);
        if (turn === 1) return call('slm_quantize', { model: checkpoint, type: 'q4_0', eval_limit: 30 });
        const files = [...seen.entries()].filter(([k]) => k.startsWith('quantize#')).flatMap(([, r]) => r)
          .map((r) => /^wrote (\S+): (Q8_0|Q4_0)/.exec(r.content)).filter((m) => m !== null);
        return submit({ formats: files.map((m) => ({ type: m[2], file: m[1], accuracyDelta: 0 })), recommendation: 'Q8_0', notes: 'Q8_0 keeps the accuracy' });
      }
      case 'export': {
        const checkpoint = /checkpoint (\S+)\)/.exec(prompt)?.[1] ?? '';
        if (turn === 0) return call('slm_export', { model: checkpoint, type: 'q8_0' });
        const path = /^wrote (\S+): GGUF/.exec(results[0]?.content ?? '')?.[1] ?? '';
        return submit({ files: [{ format: 'gguf', path, validated: true }], notes: results[0]?.content.slice(0, 300) ?? '' });
      }
    }
  };
}

describe('SLM team (real pipeline tools, SDK against a scripted server)', function () {
  this.timeout(900_000);
  let server: MockLlmServer;
  let root: string;

  beforeEach(async () => {
    server = await MockLlmServer.start([]);
    root = mkdtempSync(join(tmpdir(), 'auton-slm-'));
    mkdirSync(join(root, 'slm'), { recursive: true });
    cpSync(join(REPO_ROOT, 'slm', 'data'), join(root, 'slm', 'data'), { recursive: true });
  });

  afterEach(async () => {
    await server.close();
    try {
      assert.deepEqual(filesContaining(root, TEST_KEY), [], 'no API key on disk');
    } finally {
      if (!process.env.AUTON_KEEP_SCENARIO) rmSync(root, { recursive: true, force: true });
    }
  });

  async function flow(settings: Partial<SlmFlowSettings> = {}, onEvent?: (e: { type: string; [k: string]: unknown }) => void): Promise<SlmFlow> {
    const project = loadProjectConfig(root, {}, [{ source: 'test', values: { 'models.default': 'anthropic/claude-sonnet-4-6', 'budget.maxUsd': 0 } }]);
    const deps = await createSlmFlowDeps({
      repoRoot: root, config: project.config, flow: { maxParallelTraining: 2, finalEvalLimit: 60, ...settings },
      env: { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: server.url }, llm: { retry: { baseDelayMs: 10, maxDelayMs: 50 } }, onEvent,
    });
    return new SlmFlow(deps);
  }

  it('trains four variants two at a time, verifies the winner, exports a GGUF llama.cpp loads; a hostile agent is refused and the run goes on', async () => {
    const seen = new Map<string, { content: string; isError: boolean }[]>();
    server.setScript(team(seen));
    const started = Date.now();
    const outcome = await (await flow({ install: 'flow-test.gguf' })).run('a small intent classifier for the kernel, quickly');
    const seconds = (Date.now() - started) / 1000;
    assert.equal(outcome.status, 'succeeded', outcome.reason);

    // Every variant trained, each measured by the tool itself.
    const ws = outcome.workspace;
    const reports = VARIANTS.map((v) => readVariantReport(ws, v.name)).filter((r): r is VariantReport => r !== undefined);
    assert.deepEqual(reports.map((r) => r.variant), VARIANTS.map((v) => v.name));
    for (const r of reports) {
      assert.ok(existsSync(join(ws, r.checkpoint)), `${r.variant}: checkpoint on disk`);
      assert.equal(r.steps, BASE.steps);
      assert.equal(r.validation.examples, EVAL_LIMIT);
    }
    assert.equal(reports.find((r) => r.variant === 'deep')?.model.nLayers, 2);
    assert.equal(reports.find((r) => r.variant === 'lr-high')?.hyperparameters.lr, 0.03);

    // The winner is the variant with the best measured validation accuracy.
    const bestAccuracy = Math.max(...reports.map((r) => r.validation.intentAccuracy));
    const winner = reports.find((r) => r.variant === outcome.winner);
    assert.ok(winner, `the winner ${outcome.winner} is a trained variant`);
    assert.equal(winner.validation.intentAccuracy, bestAccuracy);
    const log = new RunLog(root, outcome.runId).read();
    const rejected = log.filter((e) => e.type === 'gate' && e.task === 'evaluate' && e.ok === false);
    assert.equal(rejected.length, 1);
    assert.match(String(rejected[0]?.detail), /there is no trained variant "gpt-5": choose one of lr-low, base, lr-high, deep/);

    // The hostile agent: clear refusals, then its own variant trained.
    const answer = (turn: number) => seen.get(`${HOSTILE}#${turn}`)?.[0];
    assert.equal(answer(1)?.isError, true);
    assert.match(answer(1)?.content ?? '', /parameters, over the limit of 8,000,000: lower dim, layers or hiddenDim/);
    assert.match(answer(2)?.content ?? '', /leaves the worktree/);
    assert.match(answer(3)?.content ?? '', /you run variant "lr-high", not "base"/);
    assert.equal(answer(4)?.isError, false);
    assert.match(seen.get('evaluation#paraphrase')?.[0]?.content ?? '', /paraphrase set is not used to choose/);

    // At most two training agents at once: replay the stage events.
    let running = 0;
    let most = 0;
    for (const e of log.filter((x) => x.type === 'slm.stage' && String(x.stage).startsWith('train-'))) {
      if (e.state === 'running') most = Math.max(most, ++running);
      else running--;
    }
    assert.equal(most, 2);

    // The GGUF left in the run folder is the winner's and llama.cpp runs it.
    assert.ok(outcome.gguf && existsSync(outcome.gguf));
    assert.equal(outcome.installed, join(root, 'slm', 'models', 'flow-test.gguf'));
    assert.deepEqual(readFileSync(outcome.installed), readFileSync(outcome.gguf));
    const llama = await openLlamaCpp(outcome.gguf, { threads: 1 });
    try {
      assert.equal(llama.info.config.dim, winner.model.dim);
      assert.equal(llama.info.config.nLayers, winner.model.nLayers);
      assert.ok([...llama.info.types.values()].includes('Q8_0'), 'the exported Q8_0 file');
      const ids = await llama.generate([llama.info.tokenizer.bos, ...llama.tokenize(formatPrompt('install vlc'))], 4);
      assert.ok(ids.length > 0, 'llama.cpp generated tokens');
    } finally {
      await llama.dispose();
    }
    const quantized = log.filter((e) => e.type === 'slm.produced' && e.kind === 'quantized').map((e) => String(e.file));
    assert.deepEqual(quantized, [`quantized/${outcome.winner}-q8_0.gguf`, `quantized/${outcome.winner}-q4_0.gguf`]);
    assert.ok(outcome.final && outcome.final.test.examples === 60 && outcome.final.paraphrase?.examples === 60);

    // The run is a run like the kernel's: state for `auton status`, usage accounted.
    const state = JSON.parse(readFileSync(join(root, '.auton', 'runs', outcome.runId, 'state.json'), 'utf8')) as { team: string; tasks: { id: string; status: string }[] };
    assert.equal(state.team, 'slm');
    assert.deepEqual(state.tasks.map((t) => `${t.id}:${t.status}`), [
      'data:merged', 'design:merged', 'train-lr-low:merged', 'train-base:merged', 'train-lr-high:merged', 'train-deep:merged',
      'evaluate:merged', 'quantize:merged', 'export:merged',
    ]);
    assert.ok(outcome.usage.iterations > 10 && outcome.usage.tokens > 0);
    process.stdout.write(`      flow: ${seconds.toFixed(1)} s; ${reports.map((r) => `${r.variant} ${(r.validation.intentAccuracy * 100).toFixed(1)}% ppl ${r.validation.perplexity?.toFixed(2)}`).join(', ')}; ` +
      `winner ${outcome.winner}; exported test ${(outcome.final.test.intentAccuracy * 100).toFixed(1)}%, paraphrase ${((outcome.final.paraphrase?.intentAccuracy ?? 0) * 100).toFixed(1)}%\n`);
  });

  it('resumes a stopped run after its last finished stage without training again', async () => {
    const seen = new Map<string, { content: string; isError: boolean }[]>();
    server.setScript(team(seen));
    const variants = 2;
    const first: SlmFlow = await flow({ variants, maxParallelTraining: 1 }, (e) => {
      if (e.type === 'slm.stage' && e.stage === 'evaluate' && e.state === 'running') first.stop('interrupted by the test');
    });
    // The architect's design must have exactly `variants` entries.
    const script = team(seen);
    server.setScript((req) => (slmRoleOf(req) === 'architect'
      ? submit({ base: BASE, variants: VARIANTS.slice(0, variants), rationale: 'two variants' })
      : script(req)));
    const stopped = await first.run('resume me');
    assert.equal(stopped.status, 'stopped', stopped.reason);
    assert.deepEqual(stopped.variants.map((v) => v.state), ['trained', 'trained']);
    const trainCalls = () => server.requests.filter((r) => slmRoleOf(r) === 'training').length;
    const before = trainCalls();

    const resumed = await (await flow({ variants, maxParallelTraining: 1 })).resume(stopped.runId);
    assert.equal(resumed.status, 'succeeded', resumed.reason);
    assert.equal(trainCalls(), before, 'no training agent ran again');
    assert.ok(resumed.gguf && existsSync(resumed.gguf));
    assert.ok(['lr-low', 'base'].includes(resumed.winner ?? ''));
    const types = new RunLog(root, stopped.runId).read().map((e) => e.type);
    assert.ok(types.includes('run.resumed'));
    assert.equal(readdirSync(join(root, '.auton', 'runs')).length, 1);
  });
});
