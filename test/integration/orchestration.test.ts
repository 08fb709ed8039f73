/**
 * The orchestration engine end to end: real git repositories, the real
 * kernel built and booted in QEMU, the real Anthropic and OpenAI SDKs talking
 * to a loopback server that plays the agents from a script. After every
 * scenario the user's checkout is untouched and no key is on disk.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunLog, type RunEvent } from '../../src/core/runLog';
import type { MockRequest, ScriptedReply } from '../support/mockLlmServer';
import {
  approve, architectNothing, branchExists, call, developerTurn, featureFile, gitIn, lastResults,
  kernelScenario, makeEngine, merge, plan, promptOf, REPO_ROOT, roleOf, submit, taskOf, TEST_KEY, testerReport,
  turnOf, type UserRepo,
} from './support/scenario';

const CLI = join(REPO_ROOT, 'dist', 'cli.js');

/** Runs the CLI without blocking this process (the scripted server lives here). */
function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function events(repo: UserRepo, runId: string): RunEvent[] {
  return new RunLog(repo.root, runId).read();
}

function integrationFiles(repo: UserRepo, runId: string): string[] {
  return gitIn(repo.root, 'ls-tree', '-r', '--name-only', `auton/${runId}/integration`).split('\n');
}

/** The usual team: plan given, architect adds nothing, reviewers approve, integrator merges. */
function team(planReply: ScriptedReply, developer: (req: MockRequest) => ScriptedReply, extra: Partial<Record<string, (req: MockRequest) => ScriptedReply>> = {}) {
  return (req: MockRequest): ScriptedReply => {
    const role = roleOf(req);
    const custom = extra[role];
    if (custom) return custom(req);
    switch (role) {
      case 'manager': return planReply;
      case 'architect': return architectNothing();
      case 'developer': return developer(req);
      case 'reviewer': return approve();
      case 'tester': return testerReport();
      case 'integrator': return merge();
    }
  };
}

describe('orchestration engine (real git, QEMU, SDKs against a scripted server)', function () {
  this.timeout(600_000);
  const s = kernelScenario();

  it('splits a goal into dependent tasks, runs developers in parallel, sends a review back, merges everything', async () => {
    const reviews = new Map<string, number>();
    s.server.setScript(team(
      plan([{ id: 'base-lib' }, { id: 'feature-a', deps: ['base-lib'] }, { id: 'feature-b', deps: ['base-lib'] }]),
      (req) => {
        const task = taskOf(req);
        const fixed = promptOf(req).includes('The reviewer asked for changes');
        const file = featureFile(task, undefined, fixed ? 43 : 42);
        return developerTurn(req, file);
      },
      {
        reviewer: (req) => {
          const task = taskOf(req);
          const n = (reviews.get(task) ?? 0) + 1;
          reviews.set(task, n);
          if (task === 'feature-a' && n === 1) {
            return submit({ verdict: 'changes', summary: 'use 43', comments: [{ file: 'kernels/lib/feature_a.c', line: 9, comment: 'return 43, the agreed value', severity: 'major' }] });
          }
          return approve();
        },
      },
    ));
    const progress: string[] = [];
    const engine = await makeEngine(s.repo, { url: s.server.url, progress });
    const out = await engine.run('add three small library features with tests');
    assert.equal(out.status, 'succeeded', `${out.reason}\n${progress.join('\n')}`);
    assert.deepEqual(out.tasks.map((t) => t.state), ['merged', 'merged', 'merged']);

    const ev = events(s.repo, out.runId);
    // dependency order: base-lib merged before either feature started
    const mergedBase = ev.findIndex((e) => e.type === 'task.state' && e.task === 'base-lib' && e.state === 'merged');
    const firstFeature = ev.findIndex((e) => e.type === 'task.state' && String(e.task).startsWith('feature') && e.state === 'developing');
    assert.ok(mergedBase >= 0 && mergedBase < firstFeature);
    // parallel: both features were developing before either merged
    const firstMergeOfFeature = ev.findIndex((e) => e.type === 'task.state' && String(e.task).startsWith('feature') && e.state === 'merged');
    const devs = new Set(ev.slice(0, firstMergeOfFeature).filter((e) => e.type === 'task.state' && e.state === 'developing').map((e) => String(e.task)));
    assert.ok(devs.has('feature-a') && devs.has('feature-b'), 'features developed in parallel');
    // the review sent feature-a back once, and its developer got the comment
    assert.ok(ev.some((e) => e.type === 'gate' && e.task === 'feature-a' && e.gate === 'review' && e.ok === false));
    const devPrompts = s.server.requests.filter((r) => roleOf(r) === 'developer' && taskOf(r) === 'feature-a' && turnOf(r) === 0).map(promptOf);
    assert.ok(devPrompts.some((p) => p.includes('return 43, the agreed value')));
    // the integration branch holds the work; the final content is the reviewed one
    const files = integrationFiles(s.repo, out.runId);
    for (const f of ['kernels/lib/base_lib.c', 'kernels/lib/feature_a.c', 'kernels/lib/feature_b.c']) assert.ok(files.includes(f), f);
    assert.match(gitIn(s.repo.root, 'show', `auton/${out.runId}/integration:kernels/lib/feature_a.c`), /return 43;/);
    // the QEMU gates really ran
    assert.ok(ev.some((e) => e.type === 'gate' && e.gate === 'test' && e.ok === true));
    assert.ok(s.server.requests.every((r) => JSON.stringify(r.headers).includes(TEST_KEY)), 'every request carried the key');
    // state.json reflects the end
    const state = JSON.parse(readFileSync(join(s.repo.root, '.auton', 'runs', out.runId, 'state.json'), 'utf8')) as { status: string };
    assert.equal(state.status, 'succeeded');
  });

  it('catches a composition failure (each branch passes, together they break) and repairs it', async () => {
    s.server.setScript(team(
      plan([{ id: 'clash-a' }, { id: 'clash-b' }]),
      (req) => {
        const task = taskOf(req);
        // Both define the same global: each builds alone, the merge does not link.
        const repaired = promptOf(req).includes('fails merged') || promptOf(req).includes('merged result fails');
        const fn = repaired ? `shared_value_${task.replace(/-/g, '_')}` : 'shared_value';
        return developerTurn(req, { ...featureFile(task, fn), path: `kernels/lib/${task.replace(/-/g, '_')}.c` });
      },
    ));
    const progress: string[] = [];
    const engine = await makeEngine(s.repo, { url: s.server.url, progress });
    const out = await engine.run('two features that clash');
    assert.equal(out.status, 'succeeded', `${out.reason}\n${progress.join('\n')}`);
    const ev = events(s.repo, out.runId);
    const clash = ev.find((e) => e.type === 'composition' && e.ok === false);
    assert.ok(clash, 'composition failure recorded');
    const other = clash.task === 'clash-a' ? 'clash-b' : 'clash-a';
    assert.deepEqual(clash.clashesWith, [other]);
    assert.match(String(clash.failures), /duplicate symbol|multiple definition/i);
    assert.ok(progress.some((l) => l.includes('passes alone but fails merged')));
  });

  it('stops cleanly when the budget is spent, and resumes to completion', async () => {
    s.server.setScript(team(plan([{ id: 'one-thing' }]), (req) => developerTurn(req, featureFile(taskOf(req)))));
    const first = await makeEngine(s.repo, { url: s.server.url, budget: { maxIterations: 3 } });
    const stopped = await first.run('one small thing');
    assert.equal(stopped.status, 'stopped');
    assert.match(stopped.reason, /iteration budget spent: 3 agent turns of 3/);
    assert.ok(events(s.repo, stopped.runId).some((e) => e.type === 'budget.exceeded'));
    const second = await makeEngine(s.repo, { url: s.server.url });
    const done = await second.resume(stopped.runId);
    assert.equal(done.status, 'succeeded', done.reason);
    assert.ok(integrationFiles(s.repo, done.runId).includes('kernels/lib/one_thing.c'));
  });

  it('survives kill -9 mid-run: resume finishes with git state consistent', async () => {
    let hold = true;
    s.server.setScript(team(plan([{ id: 'first-part' }, { id: 'second-part', deps: ['first-part'] }]), (req) => {
      if (taskOf(req) === 'second-part' && hold) return { delayMs: 120_000, then: developerTurn(req, featureFile(taskOf(req))) };
      return developerTurn(req, featureFile(taskOf(req)));
    }));
    const env = { ...process.env, ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: s.server.url, AUTON_MODELS_DEFAULT: 'anthropic/claude-sonnet-4-6' };
    const child = spawn(process.execPath, [CLI, 'run', 'two parts, one after the other', '--arch', 'riscv64', '--quiet'], { cwd: s.repo.root, env, stdio: 'ignore' });
    // Wait until the first task is merged and the second is being developed, then kill -9.
    let runId = '';
    for (let i = 0; i < 600 && !runId; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const runsDir = join(s.repo.root, '.auton', 'runs');
      if (!existsSync(runsDir)) continue;
      const id = readdirSync(runsDir)[0] ?? '';
      if (!id) continue;
      const ev = events(s.repo, id);
      const merged = ev.some((e) => e.type === 'task.state' && e.task === 'first-part' && e.state === 'merged');
      const waiting = s.server.requests.some((r) => roleOf(r) === 'developer' && taskOf(r) === 'second-part');
      if (merged && waiting) runId = id;
    }
    assert.ok(runId, 'the run reached the second task');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    hold = false;

    const resumed = await runCli(['resume', runId, '--arch', 'riscv64', '--quiet'], s.repo.root, env);
    assert.equal(resumed.status, 0, resumed.stdout + resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`run ${runId}: succeeded`));
    const files = integrationFiles(s.repo, runId);
    assert.ok(files.includes('kernels/lib/first_part.c') && files.includes('kernels/lib/second_part.c'));
    // no merge left half-done, the integration worktree is clean
    const integ = join(s.repo.root, '.auton', 'worktrees', runId, '_integration');
    assert.equal(gitIn(integ, 'status', '--porcelain'), '');
    assert.ok(!existsSync(join(gitIn(integ, 'rev-parse', '--absolute-git-dir'), 'MERGE_HEAD')));
    assert.ok(events(s.repo, runId).some((e) => e.type === 'run.resumed'));
  });

  it('rides out 429 with retry-after, 500 and a stream cut midway; reports 401 in one line', async () => {
    const faults: ScriptedReply[] = [
      { status: 429, headers: { 'retry-after': '1' }, body: { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } } },
      { status: 500, body: { type: 'error', error: { type: 'api_error', message: 'boom' } } },
      { cutStreamAfterChunks: 2, text: 'partial' },
    ];
    const base = team(plan([{ id: 'resilient' }]), (req) => developerTurn(req, featureFile(taskOf(req))));
    s.server.setScript((req) => (roleOf(req) === 'manager' && faults.length ? faults.shift()! : base(req)));
    const engine = await makeEngine(s.repo, { url: s.server.url });
    const out = await engine.run('works despite a flaky provider');
    assert.equal(out.status, 'succeeded', out.reason);
    assert.ok(s.server.requests.filter((r) => roleOf(r) === 'manager').length >= 4, 'the manager call was retried');

    // A wrong key: the CLI says so in one line, with no stack trace and no key.
    s.server.setScript(() => ({ status: 401, body: { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } } }));
    const env = { ...process.env, ANTHROPIC_API_KEY: 'sk-ant-wrong-key-0000000000000000', ANTHROPIC_BASE_URL: s.server.url, AUTON_MODELS_DEFAULT: 'anthropic/claude-sonnet-4-6' };
    const r = await runCli(['run', 'anything', '--arch', 'riscv64', '--quiet'], s.repo.root, env);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /failed: manager: .*401/);
    assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /, 'no stack trace');
    assert.doesNotMatch(r.stdout + r.stderr, /sk-ant-wrong-key-0000000000000000/);
    assert.equal(s.server.requests.filter((x) => JSON.stringify(x.headers).includes('sk-ant-wrong-key-0000000000000000')).length, 1, '401 is not retried');
  });

  it('invalid JSON from the provider fails the run with a clear reason; resume loses nothing', async () => {
    let broken = true;
    const base = team(plan([{ id: 'after-bad-json' }]), (req) => developerTurn(req, featureFile(taskOf(req))));
    s.server.setScript((req) => (broken && roleOf(req) === 'developer' ? { rawBody: '{"this is": not json', contentType: 'application/json' } : base(req)));
    const engine = await makeEngine(s.repo, { url: s.server.url });
    const out = await engine.run('survive garbage');
    assert.equal(out.status, 'failed');
    assert.match(out.reason, /after-bad-json: developer: anthropic\/claude-sonnet-4-6: .*(invalid|JSON|broke off)/i);
    broken = false;
    const again = await makeEngine(s.repo, { url: s.server.url });
    const done = await again.resume(out.runId);
    assert.equal(done.status, 'succeeded', done.reason);
    assert.equal(events(s.repo, out.runId).filter((e) => e.type === 'plan.created').length, 1, 'the plan was kept, not redone');
  });

  it('fails a task whose model never follows the schema, with the validation error as the reason', async () => {
    s.server.setScript(team(plan([{ id: 'stubborn' }]), () => submit({ summary: 42 })));
    const engine = await makeEngine(s.repo, { url: s.server.url });
    const out = await engine.run('a model that ignores the schema');
    assert.equal(out.status, 'failed');
    assert.match(out.reason, /stubborn: developer: developer never produced a valid result after 4 attempts: summary: .*string/);
  });

  it('answers hostile tool calls with errors and carries on', async () => {
    s.server.setScript(team(plan([{ id: 'sandboxed' }]), (req) => {
      const turn = turnOf(req);
      if (turn === 0) return { toolCalls: [{ name: 'read_file', input: { path: '../../../../etc/passwd' } }, { name: 'write_file', input: { path: '/tmp/auton-escape-test', content: 'x' } }] };
      if (turn === 1) return call('shell', { command: 'rm -rf /' });
      if (turn === 2) return call('no_such_tool', {});
      if (turn === 3 && !lastResults(req).every((r) => r.isError)) return { text: 'expected an error for the unknown tool' };
      return developerTurn(req, featureFile(taskOf(req)), 3);
    }));
    const engine = await makeEngine(s.repo, { url: s.server.url });
    const out = await engine.run('try to escape');
    assert.equal(out.status, 'succeeded', out.reason);
    assert.ok(!existsSync('/tmp/auton-escape-test'));
    const tools = events(s.repo, out.runId).filter((e) => e.type === 'tool' && e.task === 'sandboxed');
    assert.deepEqual(tools.slice(0, 4).map((e) => e.ok), [false, false, false, false]);
    assert.match(String(tools[0]!.output), /outside|escape|worktree/i);
  });

  it('drives the OpenAI chat completions API the same way (streaming, tool calls)', async () => {
    s.server.setScript(team(plan([{ id: 'via-openai' }]), (req) => developerTurn(req, featureFile(taskOf(req)))));
    const engine = await makeEngine(s.repo, { url: s.server.openaiUrl, provider: 'openai' });
    const out = await engine.run('one task through the OpenAI API');
    assert.equal(out.status, 'succeeded', out.reason);
    assert.ok(s.server.requests.every((r) => r.api === 'openai' && r.stream));
    assert.ok(branchExists(s.repo.root, `auton/${out.runId}/integration`));
  });
});
