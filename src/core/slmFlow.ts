/**
 * The SLM team's run: goal -> Data Scientist (the run's dataset) -> Model Architect (base
 * configuration and variants) -> one Training agent per variant, a few at a time -> Evaluation
 * (the winner, checked against the measurements) -> Quantization -> Export (a GGUF llama.cpp
 * loads) -> the winner's GGUF in the run folder, and on request in slm/models/.
 *
 * Agents work in the run's workspace `.auton/runs/<id>/slm/` through the slm_* tools. Their
 * results are checked against what the tools wrote or returned, never taken on trust: a variant
 * counts only when slm_train wrote its report, a winner must be a trained variant with the best
 * validation accuracy, files must be ones the tools produced. A rejected result goes back to the
 * agent with the reason. Events, budget and state go through the kernel run's machinery
 * (RunLog, Budget, UsageLedger), and a stopped or killed run resumes after its last finished stage.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AGENTS } from '../agents';
import { type AgentDefinition, AgentStopped, runAgent } from '../agents/agentLoop';
import type {
  DatasetPlan, EvaluationReport, ExportReport, QuantizationReport, SlmDesign, TrainingReport,
} from '../agents/slmTeam';
import { totalTokens, UsageLedger } from '../llm/accounting';
import type { ChatResponse, LlmClient } from '../llm/types';
import { readGgufFile } from '../../slm/src/gguf/reader';
import { validateLlamaGguf } from '../../slm/src/gguf/validate';
import {
  checkVariant, datasetCard, type DatasetCard, DEFAULT_SLM_LIMITS, type EvalSummary, type ExportedFile, formatCard,
  readVariantReport, runSlmCli, SLM_DATA_DIR, trainingTaskId, type Variant, type VariantReport,
} from '../tools/slm';
import { ToolError } from '../tools/define';
import type { ToolContext, ToolResult } from '../tools/types';
import { Budget, type BudgetLimits, type BudgetUsage } from './budget';
import type { AgentTools } from './engineDeps';
import type { RoleId } from './roles';
import { newRunId, type RunEvent, RunLog } from './runLog';

export interface SlmFlowSettings {
  /** Training agents, one variant each. */
  variants: number;
  /** Training agents at work at once (each trains on one core). */
  maxParallelTraining: number;
  budget: BudgetLimits;
  /** `provider/model` per role, for the log. */
  models: Record<RoleId, string>;
  /** Agent attempts per stage when its result is rejected. */
  maxAttempts: number;
  /** How far (accuracy, 0..1) the winner may sit below the best validation accuracy; 0 = it must be among the best. */
  winnerTolerance: number;
  /** Examples of the test and paraphrase sets in the final report of the exported model (spread over each set). */
  finalEvalLimit: number;
  /** Copy the winner's GGUF into slm/models/: under this file name, or `auton-slm-<run>.gguf` for true; false = leave slm/models/ alone. */
  install: string | boolean;
}

export const DEFAULT_SLM_FLOW: Omit<SlmFlowSettings, 'budget' | 'models'> = {
  variants: 4, maxParallelTraining: 2, maxAttempts: 2, winnerTolerance: 0, finalEvalLimit: 300, install: false,
};

/** What `install` may name: a plain .gguf file name. */
export const INSTALL_NAME = /^[\w.-]+\.gguf$/;

export interface SlmFlowDeps {
  repoRoot: string;
  settings: SlmFlowSettings;
  llmFor(role: RoleId): LlmClient;
  tools: AgentTools;
  onProgress?: (line: string) => void;
  onEvent?: (event: { type: string; [key: string]: unknown }) => void;
}

export type SlmRunStatus = 'running' | 'succeeded' | 'failed' | 'stopped';
type StageState = 'pending' | 'running' | 'done' | 'failed';

export interface VariantOutcome {
  name: string;
  state: 'trained' | 'failed' | 'pending';
  reason?: string;
  parameters?: number;
  finalLoss?: number;
  validation?: EvalSummary;
}

export interface SlmRunOutcome {
  runId: string;
  status: SlmRunStatus;
  reason: string;
  /** The agents' workspace: data/, variants/, quantized/, export/. */
  workspace: string;
  variants: VariantOutcome[];
  winner?: string;
  /** The winner's GGUF in the run folder. */
  gguf?: string;
  /** Where it was copied under slm/models/, when asked. */
  installed?: string;
  /** The exported model on the test and paraphrase sets (a report, never a selection criterion). */
  final?: { test: EvalSummary; paraphrase?: EvalSummary };
  usage: BudgetUsage;
}

/** A result that fails the flow's checks; its message goes back to the agent. */
export class Rejected extends Error {
  override name = 'Rejected';
}

interface Winner {
  winner: string;
  reasons: string;
  report: VariantReport;
}

interface Exported {
  gguf: string;
  files: ExportedFile[];
}

const STAGES = ['data', 'design', 'evaluate', 'quantize', 'export'] as const;
type StageId = (typeof STAGES)[number];
const ROLE_OF: Record<StageId, RoleId> = { data: 'dataScientist', design: 'modelArchitect', evaluate: 'evaluation', quantize: 'quantization', export: 'export' };

/** Accuracy and relative perplexity differences below these count as quoting the measurement. */
const ACCURACY_SLACK = 0.005;
const PERPLEXITY_SLACK = 0.01;

export class SlmFlow {
  private log!: RunLog;
  private runId = '';
  private goal = '';
  private workspace = '';
  private budget!: Budget;
  private ledger = new UsageLedger();
  private readonly abort = new AbortController();
  private stopReason?: string;
  private status: SlmRunStatus = 'running';
  private readonly stages = new Map<string, { state: StageState; role: RoleId; reason?: string }>();
  private readonly done = new Map<StageId, unknown>();
  private variantNames: string[] = [];
  private readonly variants = new Map<string, VariantOutcome>();
  /** Files the tools reported writing in this run (relative to the workspace). */
  private readonly produced = { quantized: new Set<string>(), exported: new Map<string, ExportedFile>() };
  private result: Pick<SlmRunOutcome, 'winner' | 'gguf' | 'installed' | 'final'> = {};

  constructor(private readonly deps: SlmFlowDeps) {}

  get id(): string {
    return this.runId;
  }

  stop(reason = 'stopped by the user'): void {
    this.stopReason ??= reason;
    this.abort.abort();
  }

  async run(goal: string): Promise<SlmRunOutcome> {
    this.runId = newRunId();
    this.goal = goal;
    this.open();
    this.budget = new Budget(this.deps.settings.budget);
    const s = this.deps.settings;
    this.event('run.started', {
      goal, team: 'slm', workspace: this.workspace, models: s.models, budget: s.budget, variants: s.variants,
      maxParallelTraining: s.maxParallelTraining, winnerTolerance: s.winnerTolerance,
    });
    this.progress(`SLM run ${this.runId}: "${goal}" in ${this.workspace}`);
    return this.drive();
  }

  /** Continues a run after its last finished stage; variants already trained are kept. */
  async resume(runId: string): Promise<SlmRunOutcome> {
    this.runId = runId;
    this.open();
    if (!this.log.exists()) throw new Error(`no run ${runId} in ${this.log.dir}: see "auton runs"`);
    const events = this.log.read();
    const started = events.find((e) => e.type === 'run.started');
    if (!started) throw new Error(`run ${runId} has no start event; its log is unusable`);
    if (started.team !== 'slm') throw new Error(`run ${runId} is a kernel run: resume it with "auton resume ${runId}"`);
    const finished = [...events].reverse().find((e) => e.type === 'run.finished');
    if (finished?.status === 'succeeded') throw new Error(`run ${runId} already succeeded; nothing to resume`);
    this.goal = String(started.goal);
    const lastUsage = [...events].reverse().find((e) => e.type === 'usage');
    this.budget = new Budget(this.deps.settings.budget, lastUsage ? (lastUsage.budget as BudgetUsage) : undefined);
    if (lastUsage) this.ledger = UsageLedger.restore(lastUsage.ledger);
    this.replay(events);
    this.event('run.resumed', { after: finished ? String(finished.reason) : 'an interruption' });
    this.progress(`resuming SLM run ${runId}: "${this.goal}"`);
    return this.drive();
  }

  // ---- the stages -----------------------------------------------------------

  private async drive(): Promise<SlmRunOutcome> {
    let reason = '';
    try {
      const card = await this.once('data', () => this.dataStage());
      const design = await this.once('design', () => this.designStage(card));
      await this.trainStage(design);
      const winner = await this.once('evaluate', () => this.evaluateStage());
      const quantized = await this.once('quantize', () => this.quantizeStage(winner));
      const exported = await this.once('export', () => this.exportStage(winner, quantized));
      await this.finish(winner, exported);
      this.status = 'succeeded';
      reason = `${winner.winner} won (validation intent accuracy ${pct(winner.report.validation.intentAccuracy)}); ${this.result.gguf}`;
    } catch (error) {
      if (!(error instanceof AgentStopped)) {
        this.status = 'failed';
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    if (this.stopReason) {
      this.status = 'stopped';
      reason = this.stopReason;
    }
    this.event('usage', { budget: this.budget.snapshot(), ledger: this.ledger.snapshot() });
    this.event('run.finished', { status: this.status, reason });
    this.progress(`SLM run ${this.runId} ${this.status}: ${reason}`);
    return {
      runId: this.runId, status: this.status, reason, workspace: this.workspace,
      variants: this.variantNames.map((n) => this.variants.get(n) ?? { name: n, state: 'pending' }),
      ...this.result, usage: this.budget.snapshot(),
    };
  }

  /** A stage's result from the log when it finished before, else from running it. */
  private async once<T>(stage: StageId, body: () => Promise<T>): Promise<T> {
    if (this.done.has(stage)) return this.done.get(stage) as T;
    this.setStage(stage, 'running');
    try {
      const out = await body();
      this.done.set(stage, out);
      this.setStage(stage, 'done', undefined, { output: out });
      return out;
    } catch (error) {
      if (!(error instanceof AgentStopped)) this.setStage(stage, 'failed', error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  private async dataStage(): Promise<DatasetCard> {
    let source = '';
    try {
      source = formatCard(datasetCard(join(this.deps.repoRoot, 'slm', 'data'), 'source (slm/data)'));
    } catch (error) {
      source = `(the repository has no usable dataset: ${(error as Error).message})`;
    }
    return this.attempts<DatasetPlan, DatasetCard>('data', 'dataScientist', (feedback) =>
      `Goal: ${this.goal}\n\nThe repository's dataset (slm_data inspect with dataset "source"):\n${source}\n\n` +
      `Make the run's dataset in ${SLM_DATA_DIR}/ with slm_data, then hand in your plan.${feedback}`,
    (plan) => {
      let card: DatasetCard;
      try {
        card = datasetCard(join(this.workspace, SLM_DATA_DIR), SLM_DATA_DIR);
      } catch (error) {
        throw new Rejected(`${(error as Error).message}`);
      }
      const empty = Object.entries(card.counts.train ?? {}).filter(([, n]) => n === 0).map(([i]) => i);
      if (empty.length) throw new Rejected(`${SLM_DATA_DIR}/train.jsonl has no examples of ${empty.join(', ')}: every intent needs training examples`);
      if (!card.totals.validation) throw new Rejected(`${SLM_DATA_DIR}/validation.jsonl is empty: the variants cannot be compared without it`);
      this.event('slm.dataset', { card, plan });
      this.progress(`dataset: ${Object.entries(card.totals).map(([s, n]) => `${s} ${n}`).join(', ')} (${plan.action})`);
      return card;
    });
  }

  private async designStage(card: DatasetCard): Promise<SlmDesign> {
    const n = this.deps.settings.variants;
    return this.attempts<SlmDesign, SlmDesign>('design', 'modelArchitect', (feedback) =>
      `Goal: ${this.goal}\n\nThe run's dataset:\n${formatCard(card)}\n\nDesign the base configuration and exactly ${n} variants ` +
      `(training runs on one core each, ${this.deps.settings.maxParallelTraining} at a time; limits: at most ` +
      `${DEFAULT_SLM_LIMITS.maxParameters.toLocaleString('en-US')} parameters and ${DEFAULT_SLM_LIMITS.maxSteps} steps).${feedback}`,
    (design) => {
      if (design.variants.length !== n) throw new Rejected(`the design has ${design.variants.length} variants; exactly ${n} are needed, one per training agent`);
      const names = design.variants.map((v) => v.name);
      const dup = names.find((name, i) => names.indexOf(name) !== i);
      if (dup) throw new Rejected(`variant name "${dup}" is used twice: names must be unique`);
      const problems: string[] = [];
      for (const v of design.variants) {
        try {
          checkVariant(variantConfig(design, v.name), card.vocabSize, DEFAULT_SLM_LIMITS, `variant "${v.name}"`);
        } catch (error) {
          if (!(error instanceof ToolError)) throw error;
          problems.push(error.message);
        }
      }
      if (problems.length) throw new Rejected(problems.join('; '));
      this.progress(`design: ${names.join(', ')}`);
      return design;
    });
  }

  /** Every variant its own training agent, at most maxParallelTraining at once; a failed variant does not stop the others. */
  private async trainStage(design: SlmDesign): Promise<void> {
    this.variantNames = design.variants.map((v) => v.name);
    const queue = this.variantNames.filter((name) => this.variants.get(name)?.state !== 'trained');
    const worker = async (): Promise<void> => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        this.checkRunning();
        await this.trainOne(design, name);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.deps.settings.maxParallelTraining, queue.length)) }, worker));
    this.checkRunning();
    const trained = this.trained();
    if (trained.length === 0) {
      throw new Error(`no variant trained: ${this.variantNames.map((n) => `${n}: ${this.variants.get(n)?.reason ?? 'not run'}`).join('; ')}`);
    }
  }

  private async trainOne(design: SlmDesign, name: string): Promise<void> {
    const task = trainingTaskId(name);
    const config = variantConfig(design, name);
    const hypothesis = design.variants.find((v) => v.name === name)?.hypothesis ?? '';
    this.setStage(task, 'running', 'training');
    try {
      const report = await this.attempts<TrainingReport, VariantReport>(task, 'training', (feedback) =>
        `Goal: ${this.goal}\n\nYour variant: "${name}" (${hypothesis}).\nCall slm_train with variant "${name}" and this configuration:\n` +
        `${JSON.stringify(config, null, 2)}\nThen hand in your training report.${feedback}`,
      () => {
        const r = readVariantReport(this.workspace, name);
        if (!r) throw new Rejected(`variant "${name}" has not been trained (slm_train never succeeded for it): call slm_train with variant "${name}"`);
        return r;
      });
      const outcome: VariantOutcome = { name, state: 'trained', parameters: report.parameters, finalLoss: report.finalLoss, validation: report.validation };
      this.variants.set(name, outcome);
      this.setStage(task, 'done', undefined, { variant: outcome });
      this.progress(`variant ${name}: validation intent accuracy ${pct(report.validation.intentAccuracy)}, final loss ${report.finalLoss.toFixed(4)}`);
    } catch (error) {
      if (error instanceof AgentStopped) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      this.variants.set(name, { name, state: 'failed', reason });
      this.setStage(task, 'failed', reason, { variant: { name, state: 'failed', reason } });
    }
  }

  private async evaluateStage(): Promise<Winner> {
    const reports = this.trained();
    const failed = this.variantNames.filter((n) => this.variants.get(n)?.state === 'failed');
    const table = reports.map((r) => `- ${r.variant}: ${r.parameters} parameters, final loss ${r.finalLoss.toFixed(4)}` +
      `${r.valLoss !== undefined ? `, validation loss ${r.valLoss.toFixed(4)}` : ''}; validation (${r.validation.examples} examples): ` +
      `intent accuracy ${r.validation.intentAccuracy.toFixed(4)}${r.validation.perplexity !== undefined ? `, perplexity ${r.validation.perplexity.toFixed(4)}` : ''}; checkpoint ${r.checkpoint}`);
    return this.attempts<EvaluationReport, Winner>('evaluate', 'evaluation', (feedback) =>
      `Goal: ${this.goal}\n\nTrained variants, as measured by slm_train on the validation split:\n${table.join('\n')}` +
      `${failed.length ? `\nVariants that failed: ${failed.map((n) => `${n} (${this.variants.get(n)?.reason ?? ''})`).join('; ')}` : ''}` +
      `\n\nPick the winner and hand in your evaluation report.${feedback}`,
    (out) => {
      const w = verifyWinner(out, reports, this.deps.settings.winnerTolerance);
      this.event('slm.winner', { winner: w.winner, reasons: w.reasons, validation: w.report.validation });
      this.result.winner = w.winner;
      this.progress(`winner: ${w.winner} (${w.reasons})`);
      return w;
    });
  }

  private async quantizeStage(w: Winner): Promise<QuantizationReport> {
    return this.attempts<QuantizationReport, QuantizationReport>('quantize', 'quantization', (feedback) =>
      `Goal: ${this.goal}\n\nThe winner is variant "${w.winner}", checkpoint ${w.report.checkpoint} ` +
      `(validation intent accuracy ${w.report.validation.intentAccuracy.toFixed(4)}). Quantize it and hand in your report.${feedback}`,
    (out) => {
      const quantizable = w.report.model.dim % 32 === 0 && w.report.model.hiddenDim % 32 === 0;
      if (quantizable && out.formats.length === 0) throw new Rejected('no quantized file reported: run slm_quantize with type q8_0 and q4_0');
      for (const f of out.formats) {
        if (!this.produced.quantized.has(normalize(f.file))) {
          throw new Rejected(`${f.file} is not a file slm_quantize wrote in this run (it wrote: ${[...this.produced.quantized].join(', ') || 'nothing'})`);
        }
      }
      this.event('slm.quantized', { formats: out.formats, recommendation: out.recommendation });
      return out;
    });
  }

  private async exportStage(w: Winner, q: QuantizationReport): Promise<Exported> {
    return this.attempts<ExportReport, Exported>('export', 'export', (feedback) =>
      `Goal: ${this.goal}\n\nExport variant "${w.winner}" (checkpoint ${w.report.checkpoint}) as GGUF ${q.recommendation.toLowerCase()} ` +
      `(the quantization agent's recommendation: ${q.notes || q.recommendation}).${feedback}`,
    (out) => {
      const ggufs = out.files.filter((f) => f.format === 'gguf');
      if (ggufs.length === 0) throw new Rejected('no GGUF in the report: export one with slm_export');
      const file = this.produced.exported.get(normalize(ggufs[0]!.path));
      if (!file || !file.llamaCpp) {
        throw new Rejected(`${ggufs[0]!.path} is not a GGUF slm_export wrote and loaded in llama.cpp in this run (it wrote: ${[...this.produced.exported.keys()].join(', ') || 'nothing'})`);
      }
      const abs = join(this.workspace, file.path);
      try {
        validateLlamaGguf(readGgufFile(abs));
      } catch (error) {
        throw new Rejected(`${file.path} is not a valid llama GGUF: ${(error as Error).message}`);
      }
      return { gguf: file.path, files: [...this.produced.exported.values()].filter((f) => out.files.some((o) => normalize(o.path) === f.path)) };
    });
  }

  /** The winner's GGUF into the run folder (and slm/models/ on request) and its final report on test and paraphrase. */
  private async finish(w: Winner, e: Exported): Promise<void> {
    const target = join(this.log.dir, `${w.winner}.gguf`);
    copyFileSync(join(this.workspace, e.gguf), target);
    this.result.gguf = target;
    const install = this.deps.settings.install;
    if (install !== false) {
      const name = install === true ? `auton-slm-${this.runId}.gguf` : install;
      if (!INSTALL_NAME.test(name)) throw new Error(`install must be a plain .gguf file name, got "${name}"`);
      const installed = join(this.deps.repoRoot, 'slm', 'models', name);
      mkdirSync(join(this.deps.repoRoot, 'slm', 'models'), { recursive: true });
      copyFileSync(target, installed);
      this.result.installed = installed;
      this.progress(`installed ${installed}`);
    }
    const data = join(this.workspace, SLM_DATA_DIR);
    const sets = existsSync(join(data, 'paraphrase.jsonl')) ? 'test,paraphrase' : 'test';
    const out = await runSlmCli(['eval', '--model', target, '--data', data, '--sets', sets, '--limit', String(this.deps.settings.finalEvalLimit), '--json'],
      { cwd: this.workspace, signal: this.abort.signal }) as { reports: { name: string; examples: number; intent: { accuracy: number }; perplexity?: { perplexity: number } }[] };
    const summary = (name: string): EvalSummary | undefined => {
      const r = out.reports.find((x) => x.name === name);
      return r && { set: name, examples: r.examples, intentAccuracy: r.intent.accuracy, ...(r.perplexity ? { perplexity: r.perplexity.perplexity } : {}) };
    };
    const test = summary('test');
    if (test) this.result.final = { test, ...(summary('paraphrase') ? { paraphrase: summary('paraphrase') } : {}) };
    this.event('slm.final', { winner: w.winner, gguf: target, installed: this.result.installed ?? null, files: e.files, final: this.result.final ?? null });
    this.progress(`final: ${e.gguf} on test ${test ? pct(test.intentAccuracy) : '?'}${this.result.final?.paraphrase ? `, paraphrase ${pct(this.result.final.paraphrase.intentAccuracy)}` : ''}`);
  }

  // ---- agents ---------------------------------------------------------------

  /**
   * Runs the stage's agent until `verify` accepts its result, sending each rejection back;
   * throws when the agent fails or every attempt was rejected.
   */
  private async attempts<Out, R>(task: string, role: RoleId, prompt: (feedback: string) => string, verify: (out: Out) => R): Promise<R> {
    let feedback = '';
    const max = this.deps.settings.maxAttempts;
    for (let attempt = 1; attempt <= max; attempt++) {
      const out = await this.agent<Out>(role, AGENTS[role] as AgentDefinition<Out>, prompt(feedback), task);
      if (!out.ok) {
        if (out.kind === 'cancelled') throw new AgentStopped();
        throw new Error(`${role}: ${out.reason}`);
      }
      try {
        const accepted = verify(out.output);
        this.event('gate', { task, gate: 'verify', ok: true, detail: 'result checked against the measurements' });
        return accepted;
      } catch (error) {
        if (!(error instanceof Rejected)) throw error;
        this.event('gate', { task, gate: 'verify', ok: false, detail: error.message });
        this.progress(`${task}: result rejected: ${error.message}`);
        feedback = `\n\nYour previous result was rejected: ${error.message}. Fix that and hand in a corrected result.`;
        if (attempt === max) throw new Error(`${role} (${task}): ${error.message}`, { cause: error });
      }
    }
    throw new Error(`${role} (${task}): no attempt`);
  }

  private async agent<Out>(role: RoleId, def: AgentDefinition<Out>, prompt: string, taskId: string) {
    this.checkRunning();
    const llm = this.deps.llmFor(role);
    const tools = this.deps.tools.toolsFor(role);
    const ctx: ToolContext = {
      root: this.workspace, runId: this.runId, taskId, role, arches: [], signal: this.abort.signal, messagesDir: join(this.log.dir, 'messages'),
    };
    this.event('agent.started', { role, task: taskId, model: llm.id });
    const out = await runAgent(def, {
      llm, tools, ctx, prompt, signal: this.abort.signal,
      runTool: (t, name, input, c) => this.deps.tools.runTool(t, name, input, c),
      onResponse: (r) => this.account(role, taskId, llm.id, r),
      onToolCall: (name, input, result) => this.toolCalled(taskId, role, name, input, result),
    });
    this.event('agent.finished', out.ok
      ? { role, task: taskId, ok: true, turns: out.turns, output: out.output }
      : { role, task: taskId, ok: false, turns: out.turns, kind: out.kind, reason: out.reason });
    return out;
  }

  /** Logs a tool call and remembers the files the quantize and export tools wrote. */
  private toolCalled(taskId: string, role: RoleId, name: string, input: unknown, result: ToolResult): void {
    this.event('tool', { task: taskId, role, name, ok: result.ok, input: clip(JSON.stringify(input) ?? '', 500), output: clip(result.output, 1500) });
    if (!result.ok) return;
    if (name === 'slm_quantize') {
      const file = (result.data as { file?: string } | undefined)?.file;
      if (file) {
        this.produced.quantized.add(file);
        this.event('slm.produced', { kind: 'quantized', file });
      }
    }
    if (name === 'slm_export') {
      for (const f of (result.data as { files?: ExportedFile[] } | undefined)?.files ?? []) {
        this.produced.exported.set(f.path, f);
        this.event('slm.produced', { kind: 'exported', file: f.path, exported: f });
      }
    }
  }

  private account(role: RoleId, taskId: string, model: string, r: ChatResponse): void {
    this.ledger.record(r, { role, taskId, model });
    this.budget.record(r.costUsd, totalTokens(r.usage));
    this.event('usage', { budget: this.budget.snapshot(), ledger: this.ledger.snapshot() });
    const reason = this.budget.exceeded();
    if (reason) {
      this.event('budget.exceeded', { reason });
      this.stop(reason);
    }
  }

  // ---- state ----------------------------------------------------------------

  private open(): void {
    this.log = new RunLog(this.deps.repoRoot, this.runId);
    this.workspace = join(this.log.dir, 'slm');
    mkdirSync(this.workspace, { recursive: true });
  }

  private trained(): VariantReport[] {
    return this.variantNames.filter((n) => this.variants.get(n)?.state === 'trained')
      .map((n) => readVariantReport(this.workspace, n))
      .filter((r): r is VariantReport => r !== undefined);
  }

  /** Finished stages, trained variants and the tools' files, from the log. */
  private replay(events: RunEvent[]): void {
    for (const e of events) {
      if (e.type === 'slm.stage') {
        const stage = String(e.stage);
        const state = e.state as StageState;
        if ((STAGES as readonly string[]).includes(stage) && state === 'done') this.done.set(stage as StageId, e.output);
        if (e.variant && typeof e.variant === 'object') {
          const v = e.variant as VariantOutcome;
          if (v.state === 'trained') this.variants.set(v.name, v);
        }
        this.stages.set(stage, { state: state === 'running' ? 'pending' : state, role: (e.role as RoleId) ?? 'training' });
      }
      if (e.type === 'slm.produced') {
        if (e.kind === 'quantized') this.produced.quantized.add(String(e.file));
        if (e.kind === 'exported') this.produced.exported.set(String(e.file), e.exported as ExportedFile);
      }
      if (e.type === 'slm.winner') this.result.winner = String(e.winner);
    }
    const design = this.done.get('design') as SlmDesign | undefined;
    if (design) this.variantNames = design.variants.map((v) => v.name);
  }

  private setStage(task: string, state: StageState, reason?: string, extra: Record<string, unknown> = {}): void {
    const role = (STAGES as readonly string[]).includes(task) ? ROLE_OF[task as StageId] : 'training';
    this.stages.set(task, { state, role, reason });
    this.event('slm.stage', { stage: task, state, role, reason: reason ?? null, ...extra });
    if (state === 'failed') this.progress(`${task} failed: ${reason ?? ''}`);
  }

  private event(type: string, data: Record<string, unknown>): void {
    const e = this.log.append(type, data);
    this.deps.onEvent?.(e);
    if (type !== 'tool' && type !== 'usage') this.snapshot();
  }

  /** state.json: the stages as the tasks of the run (what `auton status` and the task tree show). */
  private snapshot(): void {
    const status = (s: StageState | undefined) => (s === 'done' ? 'merged' : s === 'running' ? 'developing' : s === 'failed' ? 'failed' : 'pending');
    const ids = ['data', 'design', ...this.variantNames.map(trainingTaskId), 'evaluate', 'quantize', 'export'];
    this.log.writeState({
      id: this.runId, goal: this.goal, team: 'slm', status: this.status, workspace: this.workspace, updatedAt: new Date().toISOString(),
      tasks: ids.map((id) => {
        const s = this.stages.get(id);
        return { id, title: titleOf(id), status: status(s?.state), stage: s?.state ?? 'pending', role: s?.state === 'running' ? s.role : undefined, reason: s?.reason, costUsd: this.ledger.task(id).costUsd };
      }),
      winner: this.result.winner, usage: { ...this.budget?.snapshot(), total: this.ledger.total },
    });
  }

  private checkRunning(): void {
    if (this.abort.signal.aborted) throw new AgentStopped(this.stopReason ?? 'stopped');
  }

  private progress(line: string): void {
    this.deps.onProgress?.(line);
  }
}

/** The base configuration with a variant's changes. */
export function variantConfig(design: SlmDesign, name: string): Variant {
  const v = design.variants.find((x) => x.name === name);
  if (!v) throw new Error(`the design has no variant "${name}"`);
  const changes = Object.fromEntries(Object.entries(v.changes).filter(([, value]) => value !== undefined));
  return { ...design.base, ...changes };
}

/**
 * The winner of an evaluation report, checked against the measured reports: it must be a trained
 * variant, the figures quoted must be the measured ones, and its validation accuracy must be the
 * best (within `tolerance`). Throws Rejected saying what is wrong.
 */
export function verifyWinner(out: EvaluationReport, reports: readonly VariantReport[], tolerance: number): Winner {
  const byName = new Map(reports.map((r) => [r.variant, r]));
  const names = [...byName.keys()].join(', ');
  const report = byName.get(out.winner);
  if (!report) throw new Rejected(`there is no trained variant "${out.winner}": choose one of ${names}`);
  for (const m of out.metrics) {
    const r = byName.get(m.variant);
    if (!r) throw new Rejected(`the metrics name "${m.variant}", which is not a trained variant (trained: ${names})`);
    if (Math.abs(m.intentAccuracy - r.validation.intentAccuracy) > ACCURACY_SLACK) {
      throw new Rejected(`${m.variant}'s validation intent accuracy was measured at ${r.validation.intentAccuracy.toFixed(4)}, not ${m.intentAccuracy}: quote the measurements`);
    }
    const ppl = r.validation.perplexity;
    if (m.perplexity !== undefined && ppl !== undefined && Math.abs(m.perplexity - ppl) > PERPLEXITY_SLACK * ppl) {
      throw new Rejected(`${m.variant}'s validation perplexity was measured at ${ppl.toFixed(4)}, not ${m.perplexity}: quote the measurements`);
    }
  }
  const best = reports.reduce((a, b) => (b.validation.intentAccuracy > a.validation.intentAccuracy ? b : a));
  if (report.validation.intentAccuracy < best.validation.intentAccuracy - tolerance - 1e-12) {
    throw new Rejected(`${out.winner} has validation intent accuracy ${report.validation.intentAccuracy.toFixed(4)}, below ${best.variant}'s ` +
      `${best.validation.intentAccuracy.toFixed(4)}: the winner must have the best validation accuracy`);
  }
  return { winner: out.winner, reasons: out.reasons, report };
}

function titleOf(id: string): string {
  const titles: Record<string, string> = {
    data: 'Data Scientist: the run\'s dataset', design: 'Model Architect: configuration and variants', evaluate: 'Evaluation: pick the winner',
    quantize: 'Quantization: Q8_0 / Q4_0', export: 'Export: GGUF for llama.cpp',
  };
  return titles[id] ?? `Training: variant ${id.replace(/^train-/, '')}`;
}

function normalize(path: string): string {
  return path.replace(/^\.\//, '').replace(/\\/g, '/');
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n[... ${text.length - max} characters cut ...]`;
}
