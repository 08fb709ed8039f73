/**
 * What the orchestration scenarios share: a throwaway git repository holding
 * a copy of the real kernel (with a user's uncommitted work in it), a
 * scripted team of agents for the mock LLM server, and checks that the
 * user's checkout was never touched and no key reached the disk.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadProjectConfig } from '../../../src/core/configFile';
import { Engine } from '../../../src/core/engine';
import type { EngineDeps } from '../../../src/core/engineDeps';
import { createEngineDeps } from '../../../src/core/wiring';
import type { Arch } from '../../../src/kernel/arches';
import type { ContentBlock } from '../../../src/llm/types';
import { MockLlmServer, type MockRequest, type ScriptedReply } from '../../support/mockLlmServer';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const TEST_KEY = 'sk-ant-test-0123456789abcdefTOPSECRET';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

export interface UserRepo {
  root: string;
  /** The user's HEAD, branch, status and diff before AUTON ran. */
  before: { head: string; branch: string; status: string; diff: string; notes: string };
  cleanup(): void;
}

/** A repository with the real kernels/ and kernel_spec/, a user branch and uncommitted work. */
export function makeKernelRepo(): UserRepo {
  const root = mkdtempSync(join(tmpdir(), 'auton-scenario-'));
  cpSync(join(REPO_ROOT, 'kernels'), join(root, 'kernels'), { recursive: true, filter: (src) => !src.includes(`${join('kernels', 'build')}`) });
  cpSync(join(REPO_ROOT, 'kernel_spec'), join(root, 'kernel_spec'), { recursive: true });
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'config', 'user.email', 'user@example.com');
  git(root, 'config', 'user.name', 'A User');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'the kernel');
  git(root, 'checkout', '-q', '-b', 'my-feature');
  // Uncommitted work of the user's that AUTON must never touch.
  writeFileSync(join(root, 'kernel_spec', 'README.md'), `${readFileSync(join(root, 'kernel_spec', 'README.md'), 'utf8')}\nmy unsaved note\n`);
  writeFileSync(join(root, 'NOTES.md'), 'untracked notes of the user\n');
  const before = snapshot(root);
  // AUTON_KEEP_SCENARIO=1 keeps the repository for a post-mortem.
  return { root, before, cleanup: () => (process.env.AUTON_KEEP_SCENARIO ? undefined : rmSync(root, { recursive: true, force: true })) };
}

function snapshot(root: string): UserRepo['before'] {
  return {
    head: git(root, 'rev-parse', 'HEAD'),
    branch: git(root, 'rev-parse', '--abbrev-ref', 'HEAD'),
    status: git(root, 'status', '--porcelain', '--untracked-files=all', '--', '.', ':!.auton'),
    diff: git(root, 'diff'),
    notes: readFileSync(join(root, 'NOTES.md'), 'utf8'),
  };
}

/** The user's checkout, branch and uncommitted work are exactly as they were. */
export function userTreeUntouched(repo: UserRepo): void {
  const now = snapshot(repo.root);
  if (JSON.stringify(now) !== JSON.stringify(repo.before)) {
    throw new Error(`the user's tree changed:\nbefore ${JSON.stringify(repo.before)}\nafter  ${JSON.stringify(now)}`);
  }
}

/** Every file under root (including .git and .auton) that contains the key. */
/**
 * Mocha hooks for a scenario file: before each test a scripted model server and a fresh user
 * repository, after it the checks every scenario owes (the user's tree untouched, no API key on
 * disk). Tests read `s.server` and `s.repo`.
 */
export function kernelScenario(): { server: MockLlmServer; repo: UserRepo } {
  const s = {} as { server: MockLlmServer; repo: UserRepo };
  beforeEach(async () => {
    s.server = await MockLlmServer.start([]);
    s.repo = makeKernelRepo();
  });
  afterEach(async () => {
    await s.server.close();
    try {
      userTreeUntouched(s.repo);
      assert.deepEqual(filesContaining(s.repo.root, TEST_KEY), [], 'no API key on disk');
    } finally {
      s.repo.cleanup();
    }
  });
  return s;
}

export function filesContaining(root: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) {
        if (name === 'build') continue;
        walk(p);
      } else if (st.size < 20_000_000 && readFileSync(p).includes(needle)) {
        hits.push(p);
      }
    }
  };
  walk(root);
  return hits;
}

export function branchExists(root: string, branch: string): boolean {
  try {
    git(root, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`);
    return true;
  } catch {
    return false;
  }
}

export function gitIn(root: string, ...args: string[]): string {
  return git(root, ...args);
}

export interface EngineSetup {
  provider?: 'anthropic' | 'openai';
  url: string;
  arches?: Arch[];
  maxParallel?: number;
  budget?: { maxUsd?: number; maxIterations?: number };
  key?: string;
  progress?: string[];
  reviewMode?: 'automatic' | 'human';
  awaitDecision?: EngineDeps['awaitDecision'];
}

export async function makeEngine(repo: UserRepo, s: EngineSetup): Promise<Engine> {
  const provider = s.provider ?? 'anthropic';
  const env = provider === 'anthropic'
    ? { ANTHROPIC_API_KEY: s.key ?? TEST_KEY, ANTHROPIC_BASE_URL: s.url }
    : { OPENAI_API_KEY: s.key ?? TEST_KEY, OPENAI_BASE_URL: s.url };
  const values: Record<string, unknown> = {
    'models.default': provider === 'anthropic' ? 'anthropic/claude-sonnet-4-6' : 'openai/gpt-4.1',
    'budget.maxUsd': s.budget?.maxUsd ?? 0,
    'budget.maxIterations': s.budget?.maxIterations ?? 0,
    'budget.maxMinutes': 0,
    'budget.maxTokens': 0,
    reviewMode: s.reviewMode ?? 'automatic',
  };
  const project = loadProjectConfig(repo.root, {}, [{ source: 'test', values }]);
  if (project.problems.length) throw new Error(JSON.stringify(project.problems));
  const deps = await createEngineDeps({
    repoRoot: repo.root,
    config: project.config,
    arches: s.arches ?? ['riscv64'],
    maxParallel: s.maxParallel ?? 4,
    env,
    llm: { retry: { baseDelayMs: 10, maxDelayMs: 50 } },
    onProgress: (line) => s.progress?.push(line),
    awaitDecision: s.awaitDecision,
  });
  return new Engine(deps);
}

// ---- the scripted team --------------------------------------------------

export type Role = 'manager' | 'architect' | 'developer' | 'reviewer' | 'tester' | 'integrator';

export function roleOf(req: MockRequest): Role {
  const m = /You are the (Manager|Architect|Reviewer|Tester|Integrator)\b|You are a (Developer)\b/.exec(req.system);
  const name = (m?.[1] ?? m?.[2] ?? '').toLowerCase();
  if (!name) throw new Error(`cannot tell the role from the system prompt: ${req.system.slice(0, 200)}`);
  return name as Role;
}

/** The first user message (the agent's assignment). */
export function promptOf(req: MockRequest): string {
  const first = req.messages[0];
  return first ? first.content.map((b: ContentBlock) => (b.type === 'text' ? b.text : '')).join('') : '';
}

export function taskOf(req: MockRequest): string {
  return /\bid: ([a-z0-9-]+)/.exec(promptOf(req))?.[1] ?? '';
}

/** How many replies the agent has already given in this conversation. */
export function turnOf(req: MockRequest): number {
  return req.messages.filter((m) => m.role === 'assistant').length;
}

/** Tool results in the last user message. */
export function lastResults(req: MockRequest): { content: string; isError: boolean }[] {
  const last = req.messages[req.messages.length - 1];
  return (last?.content ?? []).flatMap((b: ContentBlock) => (b.type === 'tool_result' ? [{ content: b.content, isError: b.isError ?? false }] : []));
}

export function call(name: string, input: unknown): ScriptedReply {
  return { toolCalls: [{ name, input }] };
}

export function submit(input: unknown): ScriptedReply {
  return call('submit_result', input);
}

export interface PlannedTask {
  id: string;
  deps?: string[];
  arch?: Arch[];
}

export function plan(tasks: PlannedTask[], arch: Arch[] = ['riscv64']): ScriptedReply {
  return submit({
    summary: `${tasks.length} tasks`,
    tasks: tasks.map((t) => ({
      id: t.id,
      title: `implement ${t.id}`,
      description: `add the ${t.id} feature with a KTAP test`,
      subsystem: 'lib',
      arch: t.arch ?? arch,
      deps: t.deps ?? [],
      acceptance: [`ktest:${cName(t.id)}_works passes`],
    })),
  });
}

export const cName = (taskId: string) => taskId.replace(/-/g, '_');

/** A new portable source file with a function and a KTAP test for it. */
export function featureFile(taskId: string, fn = `${cName(taskId)}_value`, value = 42): { path: string; content: string } {
  const n = cName(taskId);
  return {
    path: `kernels/lib/${n}.c`,
    content: `/* ${taskId}: a feature added by a developer agent. */\n#include "ktest.h"\n\nint ${fn}(void);\n\n/* Returns the feature's value. */\nint ${fn}(void)\n{\n\treturn ${value};\n}\n\nKTEST(${n}_works)\n{\n\tKT_EXPECT_EQ(${fn}(), ${value});\n}\n`,
  };
}

export const approve = (summary = 'looks right'): ScriptedReply => submit({ verdict: 'approve', summary, comments: [] });
export const merge = (summary = 'merged cleanly'): ScriptedReply => submit({ verdict: 'merge', summary, risks: [] });
export const architectNothing = (): ScriptedReply => submit({ headers: [], notes: 'no new interface needed' });
export const testerReport = (): ScriptedReply => submit({ verdict: 'fail', results: [], analysis: 'see the failures' });

/** A developer that writes its feature, runs the tests, and reports. */
export function developerTurn(req: MockRequest, file: { path: string; content: string }, firstTurn = 0): ScriptedReply {
  const turn = turnOf(req) - firstTurn;
  if (turn === 0) return call('write_file', file);
  if (turn === 1) return call('kernel_test', { arch: 'riscv64', filter: cName(taskOf(req)) });
  return submit({ summary: `added ${file.path}`, files: [file.path], tests: [`${cName(taskOf(req))}_works`], verified: ['riscv64'] });
}
