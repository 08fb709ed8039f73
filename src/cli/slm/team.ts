/**
 * `auton slm run "<goal>"` and `auton slm resume <run>`: the SLM team (src/core/slmFlow.ts) on
 * the command line. Exits 0 with the winner's GGUF, 1 with a one-line reason otherwise.
 */
import type { Command } from 'commander';
import { formatProblem, type ConfigLayer } from '../../core/config';
import { loadProjectConfig } from '../../core/configFile';
import { RunLog } from '../../core/runLog';
import { createSlmFlowDeps } from '../../core/slmWiring';
import { INSTALL_NAME, SlmFlow, type SlmRunOutcome } from '../../core/slmFlow';
import { findRoot, UsageError } from '../kernel';
import { intOption } from './data';

interface TeamOpts {
  model?: string;
  budgetUsd?: string;
  variants?: string;
  parallel?: string;
  install?: string | boolean;
  quiet?: boolean;
  json?: boolean;
}

const out = (s: string) => process.stdout.write(`${s}\n`);
const err = (s: string) => process.stderr.write(`${s}\n`);

async function flowFor(root: string, o: TeamOpts): Promise<SlmFlow> {
  const values: Record<string, unknown> = {};
  if (o.model !== undefined) values['models.default'] = o.model;
  if (o.budgetUsd !== undefined) values['budget.maxUsd'] = Number(o.budgetUsd);
  const layer: ConfigLayer = { source: 'command line', values };
  const project = loadProjectConfig(root, process.env, [layer]);
  if (project.problems.length) throw new UsageError(project.problems.map(formatProblem).join('; '));
  const install = o.install ?? false;
  if (typeof install === 'string' && !INSTALL_NAME.test(install)) {
    throw new UsageError(`--install takes a file name ending in .gguf (it goes into slm/models/), got "${install}"`);
  }
  const deps = await createSlmFlowDeps({
    repoRoot: root,
    config: project.config,
    flow: {
      ...(o.variants !== undefined ? { variants: intOption(o.variants, '--variants', 1, 8) } : {}),
      ...(o.parallel !== undefined ? { maxParallelTraining: intOption(o.parallel, '--parallel', 1, 16) } : {}),
      install,
    },
    onProgress: o.quiet || o.json ? undefined : (line) => err(`auton: ${line}`),
  });
  return new SlmFlow(deps);
}

async function drive(flow: SlmFlow, start: () => Promise<SlmRunOutcome>, json?: boolean): Promise<void> {
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    err('auton: stopping (Ctrl-C again to quit at once); the run can be resumed');
    flow.stop('interrupted');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const o = await start();
    if (json) out(JSON.stringify(o, null, 2));
    else {
      out(`SLM run ${o.runId}: ${o.status}: ${o.reason}`);
      for (const v of o.variants) {
        out(`  ${v.name.padEnd(16)} ${v.state.padEnd(8)} ${v.validation ? `validation accuracy ${(v.validation.intentAccuracy * 100).toFixed(1)}%` : v.reason ?? ''}${v.name === o.winner ? '  <- winner' : ''}`);
      }
      if (o.final) out(`  exported model: test ${(o.final.test.intentAccuracy * 100).toFixed(1)}%${o.final.paraphrase ? `, paraphrase ${(o.final.paraphrase.intentAccuracy * 100).toFixed(1)}%` : ''}`);
      if (o.gguf) out(`model: ${o.gguf}`);
      if (o.installed) out(`installed: ${o.installed}`);
      out(`spent $${o.usage.usd.toFixed(4)}, ${o.usage.tokens} tokens, ${o.usage.iterations} agent turns`);
      if (o.status === 'stopped') out(`resume with: auton slm resume ${o.runId}`);
    }
    if (o.status !== 'succeeded') process.exitCode = 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function registerSlmTeamCommands(slm: Command): void {
  const common = (cmd: Command) => cmd
    .option('--model <provider/model>', 'model for every role without its own setting')
    .option('--budget-usd <x>', 'stop cleanly once this many US dollars are spent')
    .option('--variants <n>', 'hyperparameter variants, one training agent each (default 4)')
    .option('--parallel <n>', 'training agents at work at once, one core each (default 2)')
    .option('--install [file]', 'copy the winner\'s GGUF into slm/models/ (default name auton-slm-<run>.gguf)')
    .option('-q, --quiet', 'no progress lines')
    .option('--json', 'print the outcome as JSON');

  common(slm
    .command('run')
    .argument('<goal>', 'what the model should be, in plain words')
    .description('run the SLM agent team: dataset, design, parallel training variants, evaluation, quantization, GGUF export (in .auton/runs/<id>/)'))
    .action(async (goal: string, o: TeamOpts) => {
      if (!goal.trim()) throw new UsageError('the goal is empty: say what model the agents should build');
      const root = findRoot(process.cwd());
      const flow = await flowFor(root, o);
      await drive(flow, () => flow.run(goal.trim()), o.json);
    });

  common(slm
    .command('resume')
    .argument('<run>', 'run id (see "auton runs")')
    .description('continue an SLM run that was stopped, interrupted or killed, after its last finished stage'))
    .action(async (runId: string, o: TeamOpts) => {
      const root = findRoot(process.cwd());
      if (!new RunLog(root, runId).exists()) throw new UsageError(`no run "${runId}" here: see "auton runs"`);
      const flow = await flowFor(root, o);
      await drive(flow, () => flow.resume(runId), o.json);
    });
}
