/**
 * The run loop (VibeTensor-style): goal -> Manager plan -> Architect headers
 * -> Developers in parallel, each in its own worktree -> gates (build,
 * review, QEMU tests with acceptance, integration with the full suite, the
 * composition check) -> merged, or back to the developer with the reason ->
 * until every task is merged or failed, or the budget is spent.
 *
 * Every step is appended to the run log before the next one starts, so
 * `resume` rebuilds the run from the log after a crash or kill -9 and
 * continues with git state made consistent.
 */
import { AGENTS } from '../agents';
import { type AgentDefinition, AgentStopped, runAgent } from '../agents/agentLoop';
import type { DeveloperReport } from '../agents/developer';
import type { MergeReport } from '../agents/integrator';
import { type Plan } from '../agents/manager';
import type { Review } from '../agents/reviewer';
import type { TestReport } from '../agents/tester';
import type { Arch } from '../kernel/arches';
import type { TestRunResult } from '../kernel/harness';
import { totalTokens, UsageLedger } from '../llm/accounting';
import type { ChatResponse } from '../llm/types';
import type { ToolContext } from '../tools/types';
import { Budget, type BudgetUsage } from './budget';
import type { EngineDeps, ReviewDecision } from './engineDeps';
import type { RoleId } from './roles';
import { newRunId, type RunEvent, RunLog } from './runLog';
import { TaskGraph, type TaskNode, type TaskSpec, type TaskState, validatePlan } from './taskGraph';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'stopped';

export interface RunOutcome {
  runId: string;
  status: RunStatus;
  /** One line for people: why it ended. */
  reason: string;
  integrationBranch?: string;
  tasks: { id: string; state: TaskState; reason?: string }[];
  usage: BudgetUsage;
}

interface TaskRuntime {
  /** Integration commit the task's branch last started from. */
  base?: string;
  feedback: string[];
  /** Tasks merged into integration when this task's branch was (re)based. */
  mergedAtBase: string[];
}

const MAX_PLAN_ATTEMPTS = 3;
const MAX_ARCHITECT_ATTEMPTS = 2;

export class Engine {
  private log!: RunLog;
  private runId = '';
  private goal = '';
  private graph?: TaskGraph;
  private budget!: Budget;
  private ledger = new UsageLedger();
  private readonly abort = new AbortController();
  private stopReason?: string;
  private integrationPath = '';
  private integrationBranch = '';
  private integrationGood = '';
  private readonly runtime = new Map<string, TaskRuntime>();
  private readonly mergedOrder: string[] = [];
  private integrationQueue: Promise<void> = Promise.resolve();
  private status: RunStatus = 'running';

  constructor(private readonly deps: EngineDeps) {}

  get id(): string {
    return this.runId;
  }

  /** Stops the run: agents are cancelled, the log records why, state stays resumable. */
  stop(reason = 'stopped by the user'): void {
    this.stopReason ??= reason;
    this.abort.abort();
  }

  async run(goal: string): Promise<RunOutcome> {
    this.runId = newRunId();
    this.goal = goal;
    this.log = new RunLog(this.deps.repoRoot, this.runId);
    this.budget = new Budget(this.deps.settings.budget);
    const userHead = await this.deps.workspace.userHead();
    const integ = await this.deps.workspace.integration(this.runId, userHead);
    this.integrationPath = integ.path;
    this.integrationBranch = integ.branch;
    this.integrationGood = integ.base;
    this.event('run.started', {
      goal, base: integ.base, integrationBranch: integ.branch, arches: this.deps.settings.arches,
      models: this.deps.settings.models, budget: this.deps.settings.budget, reviewMode: this.deps.settings.reviewMode,
      maxParallel: this.deps.settings.maxParallel,
    });
    this.progress(`run ${this.runId}: "${goal}" on ${integ.branch}`);
    return this.drive(async () => {
      const plan = await this.plan();
      if (!plan) return;
      if (!(await this.architect(plan))) return;
      await this.loop();
    });
  }

  /**
   * Continues a run from its log. `retry` names failed tasks to put back in line with a fresh
   * set of attempts (the tasks they blocked follow); the log records it, so a later resume agrees.
   */
  async resume(runId: string, opts: { retry?: readonly string[] } = {}): Promise<RunOutcome> {
    this.runId = runId;
    this.log = new RunLog(this.deps.repoRoot, runId);
    if (!this.log.exists()) throw new Error(`no run ${runId} in ${this.log.dir}: see "auton runs"`);
    const events = this.log.read();
    for (const task of opts.retry ?? []) {
      const last = [...events].reverse().find((e) => e.type === 'task.state' && e.task === task);
      if (last?.state !== 'failed') throw new Error(`task "${task}" of run ${runId} has not failed (it is ${typeof last?.state === 'string' ? last.state : 'not started'}); only a failed task can be retried`);
      events.push(this.log.append('task.retry', { task }));
    }
    const started = events.find((e) => e.type === 'run.started');
    if (!started) throw new Error(`run ${runId} has no start event; its log is unusable`);
    const finished = [...events].reverse().find((e) => e.type === 'run.finished');
    if (finished && finished.status === 'succeeded') throw new Error(`run ${runId} already succeeded; nothing to resume`);
    this.goal = String(started.goal);
    const lastUsage = [...events].reverse().find((e) => e.type === 'usage');
    this.budget = new Budget(this.deps.settings.budget, lastUsage ? (lastUsage.budget as BudgetUsage) : undefined);
    if (lastUsage) this.ledger = UsageLedger.restore(lastUsage.ledger);
    const integ = await this.deps.workspace.integration(runId, String(started.base));
    this.integrationPath = integ.path;
    this.integrationBranch = integ.branch;
    await this.deps.workspace.recover(this.integrationPath);
    this.integrationGood = String([...events].reverse().find((e) => e.type === 'integration.good')?.commit ?? started.base);
    // Work merged but never logged as good is undone: its task goes through integration again.
    if ((await this.deps.workspace.head(this.integrationPath)) !== this.integrationGood) {
      await this.deps.workspace.resetHard(this.integrationPath, this.integrationGood);
    }
    this.event('run.resumed', { after: finished ? String(finished.reason) : 'an interruption' });
    this.progress(`resuming run ${runId}: "${this.goal}"`);
    return this.drive(async () => {
      const planEvent = [...events].reverse().find((e) => e.type === 'plan.created');
      if (!planEvent) {
        const plan = await this.plan();
        if (!plan) return;
        if (!(await this.architect(plan))) return;
      } else {
        this.graph = new TaskGraph(planEvent.tasks as TaskSpec[]);
        if (!events.some((e) => e.type === 'architect.done')) {
          if (!(await this.architect({ summary: '', tasks: planEvent.tasks as Plan['tasks'] }))) return;
        }
        this.replayTasks(events);
      }
      await this.loop();
    });
  }

  // ---- phases -------------------------------------------------------------

  private async drive(body: () => Promise<void>): Promise<RunOutcome> {
    let reason = '';
    try {
      await body();
    } catch (error) {
      if (!(error instanceof AgentStopped)) {
        this.status = 'failed';
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    await this.integrationQueue.catch(() => undefined);
    await this.deps.tools.close?.().catch(() => undefined);
    if (this.stopReason) {
      this.status = 'stopped';
      reason = this.stopReason;
    } else if (this.status === 'running') {
      const g = this.graph;
      if (g?.succeeded()) {
        this.status = 'succeeded';
        reason = `all ${g.all().length} tasks merged on ${this.integrationBranch}`;
      } else {
        this.status = 'failed';
        const bad = g?.all().filter((t) => t.state === 'failed' || t.state === 'blocked') ?? [];
        reason = bad.length ? bad.map((t) => `${t.id}: ${t.reason ?? t.state}`).join('; ') : reason || 'the run did not finish';
      }
    }
    this.event('usage', { budget: this.budget.snapshot(), ledger: this.ledger.snapshot() });
    this.event('run.finished', { status: this.status, reason });
    this.progress(`run ${this.runId} ${this.status}: ${reason}`);
    return {
      runId: this.runId, status: this.status, reason, integrationBranch: this.integrationBranch,
      tasks: (this.graph?.all() ?? []).map((t) => ({ id: t.id, state: t.state, reason: t.reason })),
      usage: this.budget.snapshot(),
    };
  }

  private async plan(): Promise<Plan | undefined> {
    let feedback = '';
    for (let attempt = 1; attempt <= MAX_PLAN_ATTEMPTS; attempt++) {
      const prompt = `Goal: ${this.goal}\nTarget architectures: ${this.deps.settings.arches.join(', ')}\n${feedback}`;
      const out = await this.agent<Plan>('manager', AGENTS.manager as AgentDefinition<Plan>, prompt, this.integrationPath, '_plan', this.deps.settings.arches);
      if (!out.ok) return this.failRun(`manager: ${out.reason}`);
      const tasks: TaskSpec[] = out.output.tasks.map((t) => ({ ...t, arch: t.arch.filter((a) => this.deps.settings.arches.includes(a)) }));
      const problems = validatePlan(tasks);
      for (const t of tasks) if (t.arch.length === 0) problems.push(`task "${t.id}" targets none of the run's architectures (${this.deps.settings.arches.join(', ')})`);
      if (problems.length === 0) {
        this.graph = new TaskGraph(tasks);
        this.event('plan.created', { summary: out.output.summary, tasks });
        this.progress(`plan: ${tasks.length} tasks (${tasks.map((t) => t.id).join(', ')})`);
        return out.output;
      }
      feedback = `Your previous plan was invalid: ${problems.join('; ')}. Produce a corrected plan.`;
      this.event('plan.rejected', { problems });
    }
    return this.failRun(`manager: no valid plan after ${MAX_PLAN_ATTEMPTS} attempts`);
  }

  private async architect(plan: Plan): Promise<boolean> {
    let feedback = '';
    for (let attempt = 1; attempt <= MAX_ARCHITECT_ATTEMPTS; attempt++) {
      const prompt = `Goal: ${this.goal}\nPlan:\n${JSON.stringify(plan.tasks, null, 2)}\n${feedback}`;
      const out = await this.agent('architect', AGENTS.architect, prompt, this.integrationPath, '_architect', this.deps.settings.arches);
      if (!out.ok) {
        this.failRun(`architect: ${out.reason}`);
        return false;
      }
      const commit = await this.deps.workspace.commitAll(this.integrationPath, `architect: interfaces for "${this.goal}"`, 'architect');
      if (!commit) {
        this.event('architect.done', { commit: this.integrationGood, headers: [] });
        return true;
      }
      const broken = await this.buildAll(this.integrationPath, this.deps.settings.arches);
      if (!broken) {
        this.integrationGood = commit;
        this.event('integration.good', { commit });
        this.event('architect.done', { commit, output: out.output });
        return true;
      }
      await this.deps.workspace.resetHard(this.integrationPath, this.integrationGood);
      feedback = `Your headers broke the build: ${broken}. Fix them.`;
      this.event('gate', { task: '_architect', gate: 'build', ok: false, detail: broken });
    }
    this.failRun('architect: the interface headers do not build');
    return false;
  }

  private async loop(): Promise<void> {
    const graph = this.graph;
    if (!graph) return;
    const running = new Map<string, Promise<void>>();
    while (!graph.isFinished() && !this.abort.signal.aborted) {
      const reason = this.budget.exceeded();
      if (reason) {
        this.event('budget.exceeded', { reason });
        this.stop(reason);
        break;
      }
      for (const task of graph.ready()) {
        if (running.size >= this.deps.settings.maxParallel) break;
        if (running.has(task.id)) continue;
        const p = this.pipeline(task).catch((error: unknown) => {
          if (error instanceof AgentStopped) return;
          this.setTask(task.id, 'failed', error instanceof Error ? error.message : String(error));
        }).finally(() => running.delete(task.id));
        running.set(task.id, p);
      }
      if (running.size === 0) break; // nothing runnable: every remaining task is blocked
      await Promise.race(running.values());
    }
    await Promise.allSettled(running.values());
  }

  // ---- one task -----------------------------------------------------------

  private async pipeline(task: TaskNode): Promise<void> {
    const rt = this.rt(task.id);
    const head = await this.deps.workspace.head(this.integrationPath);
    let wt = rt.base
      ? await this.deps.workspace.taskWorktree(this.runId, task.id, rt.base)
      : await this.startBranch(task.id, head);
    const maxAttempts = this.deps.settings.maxAttempts;
    while (task.attempts < maxAttempts) {
      this.checkRunning();
      const attempt = this.graph!.startAttempt(task.id);
      this.event('task.state', { task: task.id, state: 'developing', reason: null, attempts: attempt });
      this.progress(`task ${task.id}: developing (attempt ${attempt} of ${maxAttempts})`);
      const dev = await this.agent<DeveloperReport>('developer', AGENTS.developer as AgentDefinition<DeveloperReport>,
        this.developerPrompt(task, rt), wt.path, task.id, task.arch, rt.base);
      if (!dev.ok) {
        if (dev.kind === 'cancelled') throw new AgentStopped();
        this.setTask(task.id, 'failed', `developer: ${dev.reason}`, dev.kind === 'llm');
        return;
      }
      const commit = await this.deps.workspace.commitAll(wt.path, `${task.id}: ${firstLine(dev.output.summary)}`, 'developer');
      const diff = await this.deps.workspace.diff(wt.path, rt.base ?? head);
      if (!commit && !diff.trim()) {
        rt.feedback = ['You made no change to the tree. Implement the task with write_file / replace_in_file.'];
        this.gate(task.id, 'changes', false, 'no changes');
        continue;
      }

      const broken = await this.buildAll(wt.path, task.arch as Arch[]);
      this.gate(task.id, 'build', !broken, broken ?? 'built on every target arch');
      if (broken) {
        rt.feedback = [`The build fails: ${broken}`];
        continue;
      }

      this.setTask(task.id, 'reviewing');
      const review = await this.agent<Review>('reviewer', AGENTS.reviewer as AgentDefinition<Review>,
        `Task:\n${describeTask(task)}\n\nDeveloper's summary: ${dev.output.summary}\n\nDiff:\n${clip(diff, 60_000)}`, wt.path, task.id, task.arch, rt.base);
      if (!review.ok) {
        if (review.kind === 'cancelled') throw new AgentStopped();
        this.setTask(task.id, 'failed', `reviewer: ${review.reason}`, review.kind === 'llm');
        return;
      }
      this.gate(task.id, 'review', review.output.verdict === 'approve', review.output.summary, { comments: review.output.comments });
      if (review.output.verdict !== 'approve') {
        rt.feedback = [`The reviewer asked for changes: ${review.output.summary}`,
          ...review.output.comments.map((c) => `- ${c.file ? `${c.file}${c.line ? `:${c.line}` : ''}: ` : ''}${c.comment}`)];
        continue;
      }

      this.setTask(task.id, 'testing');
      const failures = await this.testAll(wt.path, task);
      this.gate(task.id, 'test', failures === undefined, failures ?? 'KTAP and acceptance passed on every target arch');
      if (failures) {
        rt.feedback = [`Tests fail: ${failures}`, await this.testerAnalysis(task, wt.path, failures)];
        continue;
      }

      const merged = await this.integrate(task, wt.path, wt.branch, diff);
      if (merged === 'merged') return;
      if (merged === 'stopped') throw new AgentStopped();
      wt = merged;
    }
    this.setTask(task.id, 'failed', `gave up after ${maxAttempts} attempts: ${rt.feedback[0] ?? 'no detail'}`);
  }

  /** Merges, runs the full suite, checks composition. Returns 'merged' or the (rebased) worktree to retry in. */
  private integrate(task: TaskNode, taskPath: string, taskBranch: string, diff: string): Promise<'merged' | 'stopped' | { path: string; branch: string }> {
    const turn = this.integrationQueue.then(async (): Promise<'merged' | 'stopped' | { path: string; branch: string }> => {
      if (this.abort.signal.aborted) return 'stopped';
      const rt = this.rt(task.id);
      const ws = this.deps.workspace;
      this.setTask(task.id, 'integrating');
      const before = this.integrationGood;
      const merge = await ws.mergeInto(this.integrationPath, taskBranch, `merge ${task.id}: ${task.title}`);
      if (!merge.ok) {
        this.gate(task.id, 'merge', false, `conflicts in ${(merge.conflicts ?? []).join(', ')}`);
        rt.feedback = [`Your change conflicts with work merged meanwhile (${(merge.conflicts ?? []).join(', ')}). Your branch now starts from the current integration branch; re-apply your change on top of it. Your previous diff:\n${clip(diff, 20_000)}`];
        return this.startBranch(task.id, before);
      }
      const broken = await this.suite(this.integrationPath);
      if (broken) {
        await ws.resetHard(this.integrationPath, before);
        const clashes = this.mergedOrder.filter((id) => !rt.mergedAtBase.includes(id));
        this.event('composition', { task: task.id, ok: false, clashesWith: clashes, failures: broken });
        this.gate(task.id, 'composition', false, `passes alone, fails merged${clashes.length ? ` with ${clashes.join(', ')}` : ''}: ${broken}`);
        this.progress(`composition check: ${task.id} passes alone but fails merged${clashes.length ? ` with ${clashes.join(', ')}` : ''}`);
        rt.feedback = [`Your change passes on its own but the merged result fails${clashes.length ? ` together with ${clashes.join(', ')}` : ''}: ${broken}. Your branch now includes that work; make both work together.`];
        const merged = await ws.mergeInto(taskPath, this.integrationBranch, `bring in ${clashes.join(', ') || 'integration'}`);
        if (!merged.ok) return this.startBranch(task.id, before);
        rt.base = before;
        rt.mergedAtBase = [...this.mergedOrder];
        return { path: taskPath, branch: taskBranch };
      }
      this.event('composition', { task: task.id, ok: true });
      const report = await this.agent<MergeReport>('integrator', AGENTS.integrator as AgentDefinition<MergeReport>,
        `Task:\n${describeTask(task)}\n\nThe merge onto ${this.integrationBranch} passed the full suite on ${this.deps.settings.arches.join(', ')}.\nDiff:\n${clip(diff, 40_000)}`,
        this.integrationPath, task.id, task.arch);
      const rejected = report.ok && report.output.verdict === 'reject';
      if (!report.ok && report.kind === 'cancelled') {
        await ws.resetHard(this.integrationPath, before);
        return 'stopped';
      }
      if (rejected || !report.ok) {
        await ws.resetHard(this.integrationPath, before);
        const why = report.ok ? report.output.summary : report.reason;
        this.gate(task.id, 'integrator', false, why);
        rt.feedback = [`The integrator rejected the merge: ${why}`];
        return { path: taskPath, branch: taskBranch };
      }
      if (this.deps.settings.reviewMode === 'human' && this.deps.awaitDecision) {
        this.setTask(task.id, 'awaiting-user');
        // What the merge adds to the integration branch: an accepted subset of it applies to `before`.
        const merged = await ws.diff(this.integrationPath, before, { binary: true });
        const decision = await this.deps.awaitDecision(this.runId, task.id, merged);
        const rejected = decision.rejected ?? [];
        this.event('decision', {
          task: task.id, accept: decision.accept, comment: decision.comment ?? '',
          rejected: rejected.map((r) => ({ file: r.file, hunkHeader: r.hunkHeader, comment: r.comment ?? '' })),
        });
        if (!decision.accept || (rejected.length > 0 && !decision.patch?.trim())) {
          await ws.resetHard(this.integrationPath, before);
          rt.feedback = rejectionFeedback(decision, false);
          return { path: taskPath, branch: taskBranch };
        }
        if (rejected.length > 0) return this.mergePart(task, decision, before, { path: taskPath, branch: taskBranch });
      }
      const commit = await ws.head(this.integrationPath);
      this.integrationGood = commit;
      this.mergedOrder.push(task.id);
      this.event('integration.good', { commit, task: task.id });
      this.gate(task.id, 'integrator', true, report.output.summary, { risks: report.output.risks });
      this.setTask(task.id, 'merged');
      this.progress(`merged ${task.id} (${commit.slice(0, 10)})`);
      return 'merged';
    });
    this.integrationQueue = turn.then(() => undefined, () => undefined);
    return turn;
  }

  /**
   * The user accepted some hunks and rejected others: the integration branch gets only the
   * accepted ones (the merge is undone, the accepted patch applied and committed), the full
   * suite runs on that, and the task goes back to its developer on a branch that starts from the
   * new integration commit, with the rejected hunks and comments as feedback.
   */
  private async mergePart(task: TaskNode, decision: ReviewDecision, before: string, taskWt: { path: string; branch: string }): Promise<'stopped' | { path: string; branch: string }> {
    const rt = this.rt(task.id);
    const ws = this.deps.workspace;
    const rejected = decision.rejected ?? [];
    await ws.resetHard(this.integrationPath, before);
    let commit: string;
    try {
      commit = await ws.applyPatch(this.integrationPath, decision.patch ?? '',
        `merge ${task.id} in part: the hunks the user accepted (${rejected.length} rejected)`, 'integrator');
    } catch (error) {
      await ws.resetHard(this.integrationPath, before);
      const why = error instanceof Error ? error.message : String(error);
      this.gate(task.id, 'decision', false, `the accepted hunks do not apply on their own: ${why}`);
      rt.feedback = [`The user accepted only part of your change, and that part does not apply without the rest (${firstLine(why)}).`, ...rejectionFeedback(decision, false)];
      return taskWt;
    }
    let broken: string | undefined;
    try {
      broken = await this.suite(this.integrationPath);
    } catch (error) {
      await ws.resetHard(this.integrationPath, before);
      if (error instanceof AgentStopped) return 'stopped';
      throw error;
    }
    if (broken) {
      await ws.resetHard(this.integrationPath, before);
      this.gate(task.id, 'decision', false, `the accepted hunks alone fail the full suite: ${broken}`);
      rt.feedback = [`The user accepted only part of your change, and that part alone fails: ${broken}`, ...rejectionFeedback(decision, false)];
      return taskWt;
    }
    this.integrationGood = commit;
    if (!this.mergedOrder.includes(task.id)) this.mergedOrder.push(task.id);
    this.event('integration.good', { commit, task: task.id, partial: true });
    this.gate(task.id, 'decision', true, `part merged; ${rejected.length} rejected hunk${rejected.length === 1 ? '' : 's'} back to the developer`);
    this.progress(`merged part of ${task.id} (${commit.slice(0, 10)}); ${rejected.length} rejected hunk(s) go back to its developer`);
    rt.feedback = rejectionFeedback(decision, true);
    return this.startBranch(task.id, commit);
  }

  private async startBranch(taskId: string, from: string): Promise<{ path: string; branch: string }> {
    const rt = this.rt(taskId);
    const wt = rt.base === undefined
      ? await this.deps.workspace.taskWorktree(this.runId, taskId, from)
      : await this.deps.workspace.resetTask(this.runId, taskId, from);
    rt.base = from;
    rt.mergedAtBase = [...this.mergedOrder];
    this.event('task.branch', { task: taskId, base: from, branch: wt.branch });
    return wt;
  }

  // ---- gates --------------------------------------------------------------

  /** Builds every arch; returns the first errors, or undefined when all build. */
  private async buildAll(root: string, arches: readonly Arch[]): Promise<string | undefined> {
    const problems: string[] = [];
    for (const arch of arches) {
      this.checkRunning();
      const b = await this.deps.harness.build(root, arch, this.abort.signal);
      if (!b.ok) {
        const errs = b.diagnostics.filter((d) => d.severity === 'error').slice(0, 5)
          .map((d) => `${relative(root, d.file)}:${d.line}:${d.column}: ${d.message}`);
        problems.push(`${arch}: ${errs.length ? errs.join(' | ') : b.message}`);
      }
    }
    return problems.length ? problems.join('\n') : undefined;
  }

  /** KTAP on every target arch plus the acceptance criteria that name tests. */
  private async testAll(root: string, task: TaskNode): Promise<string | undefined> {
    const problems: string[] = [];
    const results: TestRunResult[] = [];
    for (const arch of task.arch as Arch[]) {
      this.checkRunning();
      const r = await this.deps.harness.test(root, arch, this.abort.signal);
      results.push(r);
      if (!r.ok) {
        const failed = r.ktap?.tests.filter((t) => !t.ok && !t.skipped) ?? [];
        problems.push(`${arch}: ${r.message}${failed.length ? `; ${failed.slice(0, 5).map((t) => `${t.name}: ${t.diagnostics.slice(-2).join(' / ')}`).join('; ')}` : ''}`);
      }
    }
    const ran = new Map<string, boolean>();
    for (const r of results) for (const t of r.ktap?.tests ?? []) ran.set(t.name, (ran.get(t.name) ?? true) && t.ok);
    for (const criterion of task.acceptance) {
      for (const name of testNamesIn(criterion)) {
        if (!ran.has(name) && results.length) problems.push(`acceptance: test ${name} did not run`);
        else if (ran.get(name) === false) problems.push(`acceptance: test ${name} failed`);
      }
    }
    return problems.length ? problems.join('\n') : undefined;
  }

  /** The full suite on the integration tree: build and KTAP on every run arch. */
  private async suite(root: string): Promise<string | undefined> {
    const broken = await this.buildAll(root, this.deps.settings.arches);
    if (broken) return broken;
    const problems: string[] = [];
    for (const arch of this.deps.settings.arches) {
      this.checkRunning();
      const r = await this.deps.harness.test(root, arch, this.abort.signal);
      if (!r.ok) problems.push(`${arch}: ${r.message}`);
    }
    return problems.length ? problems.join('\n') : undefined;
  }

  private async testerAnalysis(task: TaskNode, root: string, failures: string): Promise<string> {
    const out = await this.agent<TestReport>('tester', AGENTS.tester as AgentDefinition<TestReport>,
      `Task:\n${describeTask(task)}\n\nResults of building and booting it in QEMU:\n${failures}`, root, task.id, task.arch, this.rt(task.id).base);
    if (!out.ok) return out.kind === 'cancelled' ? '' : `(no tester analysis: ${out.reason})`;
    this.event('test.report', { task: task.id, report: out.output });
    return `Tester's analysis: ${out.output.analysis}`;
  }

  // ---- agents -------------------------------------------------------------

  private async agent<Out>(role: RoleId, def: AgentDefinition<Out>, prompt: string, root: string, taskId: string, arches: readonly string[], baseRef?: string) {
    this.checkRunning();
    const llm = this.deps.llmFor(role);
    const tools = this.deps.tools.toolsFor(role);
    const ctx: ToolContext = {
      root, runId: this.runId, taskId, role, arches: [...arches], signal: this.abort.signal,
      messagesDir: `${this.log.dir}/messages`, shellAllowlist: this.deps.settings.shellAllowlist, baseRef,
      onEdit: (edit) => this.event('edit', { task: taskId, role, path: edit.path, kind: edit.kind, diff: clip(edit.diff, 4000) }),
    };
    this.event('agent.started', { role, task: taskId, model: llm.id });
    const out = await runAgent(def, {
      llm, tools, ctx, prompt, signal: this.abort.signal,
      runTool: (t, name, input, c) => this.deps.tools.runTool(t, name, input, c),
      onResponse: (r) => this.account(role, taskId, llm.id, r),
      onToolCall: (name, input, result) => this.event('tool', {
        task: taskId, role, name, ok: result.ok, input: clip(JSON.stringify(input) ?? '', 500), output: clip(result.output, 500),
      }),
    });
    this.event('agent.finished', out.ok
      ? { role, task: taskId, ok: true, turns: out.turns, output: out.output }
      : { role, task: taskId, ok: false, turns: out.turns, kind: out.kind, reason: out.reason });
    return out;
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

  // ---- state --------------------------------------------------------------

  private rt(taskId: string): TaskRuntime {
    let r = this.runtime.get(taskId);
    if (!r) {
      r = { feedback: [], mergedAtBase: [] };
      this.runtime.set(taskId, r);
    }
    return r;
  }

  /** retryable: the failure came from the provider, not the work; resume tries the task again. */
  private setTask(id: string, state: TaskState, reason?: string, retryable = false): void {
    const graph = this.graph;
    if (!graph) return;
    const before = graph.get(id).state;
    if (before === state) return;
    graph.setState(id, state, reason);
    this.event('task.state', { task: id, state, reason: reason ?? null, attempts: graph.get(id).attempts, ...(retryable ? { retryable } : {}) });
    if (state === 'failed') this.progress(`task ${id} failed: ${reason ?? ''}`);
    else this.progress(`task ${id}: ${state}`);
  }

  /** Rebuilds task states, branches and merge order from the log. */
  private replayTasks(events: RunEvent[]): void {
    const graph = this.graph;
    if (!graph) return;
    const final = new Map<string, { state: TaskState; reason?: string; attempts: number }>();
    for (const e of events) {
      if (e.type === 'task.state') {
        // A task that failed because the provider failed gets another chance on resume.
        const state = e.state === 'failed' && e.retryable === true ? 'ready' : e.state as TaskState;
        final.set(String(e.task), { state, reason: (e.reason as string | null) ?? undefined, attempts: Math.max(0, Number(e.attempts ?? 0) - (state === 'ready' ? 1 : 0)) });
      }
      // A user retry: the failed task starts over with all its attempts.
      if (e.type === 'task.retry') final.set(String(e.task), { state: 'ready', attempts: 0 });
      if (e.type === 'task.branch') {
        const rt = this.rt(String(e.task));
        rt.base = String(e.base);
      }
      if (e.type === 'integration.good' && typeof e.task === 'string' && !this.mergedOrder.includes(e.task)) this.mergedOrder.push(e.task);
    }
    graph.restore(final);
    for (const t of graph.all()) {
      const rt = this.rt(t.id);
      if (rt.base !== undefined) rt.mergedAtBase = this.mergedOrder.filter((id) => id !== t.id);
      if (t.state === 'ready' && rt.base !== undefined) rt.feedback = ['The run was interrupted and resumed. Your earlier work is committed on your branch; check it with git_diff and finish the task.'];
    }
    this.progress(`resumed: ${Object.entries(graph.counts()).filter(([, n]) => n).map(([s, n]) => `${n} ${s}`).join(', ')}`);
  }

  private gate(task: string, gate: string, ok: boolean, detail: string, extra: Record<string, unknown> = {}): void {
    this.event('gate', { task, gate, ok, detail: clip(detail, 4000), ...extra });
    if (!ok) this.progress(`task ${task}: ${gate} gate failed: ${firstLine(detail)}`);
  }

  private event(type: string, data: Record<string, unknown>): void {
    const e = this.log.append(type, data);
    this.deps.onEvent?.(e);
    if (type !== 'tool' && type !== 'edit' && type !== 'usage') this.snapshot();
  }

  private snapshot(): void {
    const g = this.graph;
    const roleOf: Partial<Record<TaskState, string>> = {
      developing: 'developer', reviewing: 'reviewer', testing: 'tester', integrating: 'integrator', 'awaiting-user': 'you',
    };
    this.log.writeState({
      id: this.runId, goal: this.goal, status: this.status, integrationBranch: this.integrationBranch,
      updatedAt: new Date().toISOString(),
      tasks: (g?.all() ?? []).map((t) => ({
        id: t.id, title: t.title, status: t.state, role: roleOf[t.state], attempts: t.attempts,
        reason: t.reason, deps: t.deps, arch: t.arch, acceptance: t.acceptance,
        costUsd: this.ledger.task(t.id).costUsd,
      })),
      usage: { ...this.budget?.snapshot(), total: this.ledger.total },
    });
  }

  private checkRunning(): void {
    if (this.abort.signal.aborted) throw new AgentStopped(this.stopReason ?? 'stopped');
  }

  private failRun(reason: string): undefined {
    this.status = 'failed';
    this.event('run.failed', { reason });
    throw new Error(reason);
  }

  private developerPrompt(task: TaskNode, rt: TaskRuntime): string {
    const parts = [`Your task:\n${describeTask(task)}`, `Overall goal of the run: ${this.goal}`];
    if (rt.feedback.length) parts.push(`Feedback on your previous attempt (address all of it):\n${rt.feedback.join('\n')}`);
    return parts.join('\n\n');
  }

  private progress(line: string): void {
    this.deps.onProgress?.(line);
  }
}

/** What the developer hears about a rejection: the comment, and each rejected hunk with its own. */
function rejectionFeedback(decision: ReviewDecision, partMerged: boolean): string[] {
  const rejected = decision.rejected ?? [];
  const comment = decision.comment ? `: ${decision.comment}` : '';
  const head = partMerged
    ? `The user accepted part of your change; it is on the integration branch now and your branch starts from there. They rejected the hunks below${comment}. Redo that part as their comments ask.`
    : `The user rejected the change${comment}.${rejected.length ? ' The hunks they rejected:' : ''}`;
  return [head, ...rejected.map((r) => `- ${r.file} ${r.hunkHeader}${r.comment ? `: ${r.comment}` : ''}${r.text ? `\n${clip(r.text, 4000)}` : ''}`)];
}

function describeTask(t: TaskNode): string {
  return [`id: ${t.id}`, `title: ${t.title}`, `subsystem: ${t.subsystem}`, `architectures: ${t.arch.join(', ')}`,
    `description: ${t.description}`, `acceptance:\n${t.acceptance.map((a) => `- ${a}`).join('\n')}`].join('\n');
}

/** KTAP tests an acceptance criterion names as `ktest:<name>` (the Manager is told to write them so). */
export function testNamesIn(criterion: string): string[] {
  return [...criterion.matchAll(/ktest:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n[... ${text.length - max} characters cut ...]`;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 120);
}

function relative(root: string, file: string): string {
  return file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file;
}
