/**
 * `npm run bench -- orchestrator`: what the engine itself costs.
 * 1. Overhead per agent turn with a zero-latency model: a run of independent
 *    tasks against the scripted loopback server, real git worktrees, the real
 *    SDK; the kernel harness answers at once so only the engine is timed.
 * 2. Speed-up of 4 parallel developers over 1 when every model reply takes 1 s.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProjectConfig } from '../src/core/configFile';
import { Engine } from '../src/core/engine';
import type { KernelHarness } from '../src/core/engineDeps';
import { createEngineDeps } from '../src/core/wiring';
import { MockLlmServer, type MockRequest, type ScriptedReply } from '../test/support/mockLlmServer';

const KEY = 'sk-ant-bench-0000000000000000000000';

function repo(): string {
  const root = mkdtempSync(join(tmpdir(), 'auton-bench-'));
  mkdirSync(join(root, 'kernels'), { recursive: true });
  writeFileSync(join(root, 'kernels', 'Makefile'), 'all:\n');
  const git = (...a: string[]) => execFileSync('git', a, { cwd: root });
  git('init', '-q', '-b', 'main');
  git('-c', 'user.email=b@example.com', '-c', 'user.name=bench', 'commit', '-q', '--allow-empty', '-m', 'start');
  git('add', '-A');
  git('-c', 'user.email=b@example.com', '-c', 'user.name=bench', 'commit', '-q', '-m', 'kernel');
  return root;
}

/** A harness that passes at once, so the figures are the engine's own. */
const instant: KernelHarness = {
  build(_root, arch) {
    return Promise.resolve({ ok: true, arch, exitCode: 0, output: '', diagnostics: [], durationMs: 0, artifacts: { elf: '', bin: '', compileCommands: '' }, message: 'built' });
  },
  test(_root, arch) {
    return Promise.resolve({ arch, ok: true, message: `${arch}: 1 passed, 0 failed`, ktap: { started: true, version: 1, planned: 1, tests: [{ number: 1, name: 'x', ok: true, skipped: false, diagnostics: [] }], passed: 1, failed: 0, skipped: 0, missing: 0, trailing: [], errors: [] } });
  },
};

function script(tasks: number, delayMs: number) {
  return (req: MockRequest): ScriptedReply => {
    const sys = req.system;
    const first = req.messages[0]?.content.map((b) => (b.type === 'text' ? b.text : '')).join('') ?? '';
    const task = /\bid: ([a-z0-9-]+)/.exec(first)?.[1] ?? 'x';
    const turn = req.messages.filter((m) => m.role === 'assistant').length;
    let reply: ScriptedReply;
    if (sys.includes('You are the Manager')) {
      reply = { toolCalls: [{ name: 'submit_result', input: { summary: 's', tasks: Array.from({ length: tasks }, (_, i) => ({ id: `t${i}`, title: `t${i}`, description: 'd', subsystem: 'lib', arch: ['riscv64'], deps: [], acceptance: ['builds'] })) } }] };
    } else if (sys.includes('You are the Architect')) {
      reply = { toolCalls: [{ name: 'submit_result', input: { headers: [], notes: '' } }] };
    } else if (sys.includes('You are a Developer')) {
      reply = turn === 0
        ? { toolCalls: [{ name: 'write_file', input: { path: `kernels/${task}.c`, content: `int ${task};\n` } }] }
        : { toolCalls: [{ name: 'submit_result', input: { summary: 'done', files: [], tests: [], verified: [] } }] };
    } else if (sys.includes('You are the Reviewer')) {
      reply = { toolCalls: [{ name: 'submit_result', input: { verdict: 'approve', summary: 'ok', comments: [] } }] };
    } else {
      reply = { toolCalls: [{ name: 'submit_result', input: { verdict: 'merge', summary: 'ok', risks: [] } }] };
    }
    return delayMs ? { delayMs, then: reply } : reply;
  };
}

async function timedRun(tasks: number, parallel: number, delayMs: number): Promise<{ ms: number; turns: number }> {
  const server = await MockLlmServer.start(script(tasks, delayMs));
  const root = repo();
  try {
    const project = loadProjectConfig(root, {}, [{ source: 'bench', values: { 'models.default': 'anthropic/claude-sonnet-4-6', 'budget.maxUsd': 0, 'budget.maxIterations': 0, 'budget.maxMinutes': 0, 'budget.maxTokens': 0 } }]);
    const deps = await createEngineDeps({ repoRoot: root, config: project.config, arches: ['riscv64'], maxParallel: parallel, env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.url } });
    deps.harness = instant;
    const started = process.hrtime.bigint();
    const out = await new Engine(deps).run('bench');
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (out.status !== 'succeeded') throw new Error(`bench run ${out.status}: ${out.reason}`);
    return { ms, turns: out.usage.iterations };
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}

export async function benchOrchestrator(): Promise<void> {
  const overhead: number[] = [];
  let turns = 0;
  for (let i = 0; i < 3; i++) {
    const r = await timedRun(8, 4, 0);
    overhead.push(r.ms / r.turns);
    turns = r.turns;
  }
  overhead.sort((a, b) => a - b);
  console.log(`engine overhead per agent turn (zero-latency model, 8 tasks, ${turns} turns, real git + SDK + loopback HTTP): median ${overhead[1]!.toFixed(1)} ms (min ${overhead[0]!.toFixed(1)}, max ${overhead[2]!.toFixed(1)})`);
  const one = await timedRun(4, 1, 1000);
  const four = await timedRun(4, 4, 1000);
  console.log(`4 tasks, 1 s per model reply: 1 developer ${(one.ms / 1000).toFixed(1)} s, 4 developers ${(four.ms / 1000).toFixed(1)} s, speed-up ${(one.ms / four.ms).toFixed(2)}x`);
  console.log('(integration is serial by design: each merge runs the full suite before the next)');
}
