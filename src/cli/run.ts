/**
 * `auton run|resume|status|runs`: the orchestration engine on the command
 * line, in the repository of the current folder. `run` exits 0 when the goal
 * is met, and otherwise 1 with a one-line reason.
 */
import type { Command } from 'commander';
import { formatProblem, type ConfigLayer } from '../core/config';
import { loadProjectConfig } from '../core/configFile';
import { Engine, type RunOutcome } from '../core/engine';
import { RunLog } from '../core/runLog';
import { listRuns } from '../core/runStore';
import { createEngineDeps } from '../core/wiring';
import { parseArchList } from '../kernel/arches';
import { findRoot, UsageError } from './kernel';

interface RunOpts {
  model?: string;
  arch?: string;
  maxParallel?: string;
  budgetUsd?: string;
  review?: string;
  shell?: string[];
  quiet?: boolean;
  json?: boolean;
}

const out = (s: string) => process.stdout.write(`${s}\n`);
const err = (s: string) => process.stderr.write(`${s}\n`);

function cliLayer(o: RunOpts): ConfigLayer {
  const values: Record<string, unknown> = {};
  if (o.model !== undefined) values['models.default'] = o.model;
  if (o.arch !== undefined) values['kernel.arch'] = o.arch;
  if (o.maxParallel !== undefined) values.maxParallelDevelopers = Number(o.maxParallel);
  if (o.budgetUsd !== undefined) values['budget.maxUsd'] = Number(o.budgetUsd);
  if (o.review !== undefined) values.reviewMode = o.review;
  return { source: 'command line', values };
}

async function engineFor(root: string, o: RunOpts): Promise<Engine> {
  const project = loadProjectConfig(root, process.env, [cliLayer(o)]);
  if (project.problems.length) throw new UsageError(project.problems.map(formatProblem).join('; '));
  const deps = await createEngineDeps({
    repoRoot: root,
    config: project.config,
    arches: o.arch ? parseArchList(o.arch) : undefined,
    shellAllowlist: o.shell?.length ? o.shell : undefined,
    onProgress: o.quiet || o.json ? undefined : (line) => err(`auton: ${line}`),
  });
  return new Engine(deps);
}

/** Runs the engine with Ctrl-C stopping it cleanly (a second Ctrl-C exits at once). */
async function drive(engine: Engine, start: () => Promise<RunOutcome>, json?: boolean): Promise<void> {
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    err('auton: stopping (Ctrl-C again to quit at once); the run can be resumed');
    engine.stop('interrupted');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const outcome = await start();
    if (json) out(JSON.stringify(outcome, null, 2));
    else {
      out(`run ${outcome.runId}: ${outcome.status}: ${outcome.reason}`);
      out(`spent $${outcome.usage.usd.toFixed(4)}, ${outcome.usage.tokens} tokens, ${outcome.usage.iterations} agent turns`);
      if (outcome.status === 'succeeded') out(`result on branch ${outcome.integrationBranch}: review it with "git diff HEAD...${outcome.integrationBranch}"`);
      else if (outcome.status === 'stopped') out(`resume with: auton resume ${outcome.runId}`);
    }
    if (outcome.status !== 'succeeded') {
      process.exitCode = 1;
      if (json) err(`auton: run ${outcome.status}: ${outcome.reason}`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function registerRunCommands(program: Command): void {
  const common = (cmd: Command) => cmd
    .option('--model <provider/model>', 'model for every role without its own setting')
    .option('-a, --arch <arch>', 'target architectures: x86_64, aarch64, riscv64, a comma list, or all')
    .option('--max-parallel <n>', 'developers working at once (default 4)')
    .option('--budget-usd <x>', 'stop cleanly once this many US dollars are spent')
    .option('--review <mode>', 'automatic (gates only) or human')
    .option('--shell <command...>', 'let agents run these commands (an allowlist; no shell otherwise)')
    .option('-q, --quiet', 'no progress lines')
    .option('--json', 'print the outcome as JSON');

  common(program
    .command('run')
    .argument('<goal>', 'what the agents should achieve, in plain words')
    .description('run the agent team on a goal in this repository (its own branches; your checkout is untouched)'))
    .action(async (goal: string, o: RunOpts) => {
      if (!goal.trim()) throw new UsageError('the goal is empty: say what the agents should build');
      const root = findRoot(process.cwd());
      const engine = await engineFor(root, o);
      await drive(engine, () => engine.run(goal.trim()), o.json);
    });

  common(program
    .command('resume')
    .argument('<run>', 'run id (see "auton runs")')
    .description('continue a run that was stopped, interrupted or killed'))
    .action(async (runId: string, o: RunOpts) => {
      const root = findRoot(process.cwd());
      const log = new RunLog(root, runId);
      if (!log.exists()) throw new UsageError(`no run "${runId}" here: see "auton runs"`);
      if (log.read().find((e) => e.type === 'run.started')?.team === 'slm') {
        throw new UsageError(`run "${runId}" is an SLM team run: resume it with "auton slm resume ${runId}"`);
      }
      const engine = await engineFor(root, o);
      await drive(engine, () => engine.resume(runId), o.json);
    });

  program
    .command('runs')
    .description('list the runs of this repository, newest first')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      const runs = listRuns(findRoot(process.cwd()));
      if (o.json) {
        out(JSON.stringify(runs, null, 2));
        return;
      }
      if (runs.length === 0) out('no runs yet: start one with auton run "<goal>"');
      for (const r of runs) {
        const merged = r.tasks.filter((t) => t.status === 'merged').length;
        out(`${r.id}  ${r.status.padEnd(10)} ${merged}/${r.tasks.length} merged  ${r.goal}${r.error ? ` (${r.error})` : ''}`);
      }
    });

  program
    .command('status')
    .argument('[run]', 'run id (default: the newest)')
    .description('show a run: its tasks, their states and what it has spent')
    .option('--json', 'print JSON')
    .action((runId: string | undefined, o: { json?: boolean }) => {
      const root = findRoot(process.cwd());
      const runs = listRuns(root);
      const run = runId ? runs.find((r) => r.id === runId) : runs[0];
      if (!run) throw new UsageError(runId ? `no run "${runId}" here: see "auton runs"` : 'no runs yet: start one with auton run "<goal>"');
      const events = new RunLog(root, run.id).read();
      const finished = [...events].reverse().find((e) => e.type === 'run.finished');
      const usage = [...events].reverse().find((e) => e.type === 'usage');
      if (o.json) {
        out(JSON.stringify({ ...run, finished, usage: usage?.budget }, null, 2));
        return;
      }
      out(`run ${run.id}: ${run.status}  "${run.goal}"`);
      if (finished) out(`  ended: ${String(finished.reason)}`);
      for (const t of run.tasks) out(`  ${t.status.padEnd(14)} ${t.id}  ${t.title}`);
      const b = usage?.budget as { usd?: number; tokens?: number; iterations?: number } | undefined;
      if (b) out(`  spent $${(b.usd ?? 0).toFixed(4)}, ${b.tokens ?? 0} tokens, ${b.iterations ?? 0} agent turns`);
    });
}
