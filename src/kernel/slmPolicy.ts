/**
 * The kernel's intent policy with the neural model loaded (kernels/slm/policy.c), run on the host
 * through `slm-host policy` (the same C sources the kernel links): the model decides when its
 * confidence reaches the threshold; otherwise the rule engine when a rule matched, else the model. Used by the tests
 * (test/kernel/slmPolicy.test.ts) and `npm run bench -- slm-policy`, which measures accuracy per
 * threshold on the data splits and the development set. (Not in index.ts: a helper for tests and benchmarks.)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonl } from '../../slm/src/data/jsonl';
import type { Example } from '../../slm/src/types';

export interface PolicyVote {
  intent: string | null;
  /** Thousandths, as the kernel keeps it. */
  milli: number;
}

export interface PolicyRow {
  request: string;
  intent: string;
  milli: number;
  by: 'neural' | 'rules fallback' | 'neural, no rule matched';
  neural: PolicyVote;
  rules: PolicyVote & { matched: boolean };
}

/** Builds kernels/build/host/slm-host (make -C kernels host-slm) and returns its path. */
export function buildSlmHost(root: string): string {
  const make = spawnSync('make', ['-C', join(root, 'kernels'), 'host-slm'], { encoding: 'utf8' });
  if (make.status !== 0) throw new Error(`make -C kernels host-slm failed:\n${make.stdout}${make.stderr}`);
  return join(root, 'kernels', 'build', 'host', 'slm-host');
}

/** The requests of slm/data/<set>.jsonl with their labels. */
export function readSplit(root: string, set: string): Example[] {
  return readJsonl(join(root, 'slm', 'data', `${set}.jsonl`));
}

/** One line per request, as the console sends it (a line holds no newline). */
export function asConsoleLine(request: string): string {
  return request.replace(/\s*\n\s*/g, ' ').trim();
}

/** SLM_NEURAL_MIN_MILLI as kernels/slm/policy.h defines it. */
export function compiledThreshold(root: string): number {
  const m = /#define SLM_NEURAL_MIN_MILLI (\d+)/.exec(readFileSync(join(root, 'kernels', 'slm', 'policy.h'), 'utf8'));
  if (!m) throw new Error('kernels/slm/policy.h defines no SLM_NEURAL_MIN_MILLI');
  return Number(m[1]);
}

const milli = (x: number): number => Math.round(x * 1000);

/** `slm-host policy` on each request (one line each): what the kernel decides. */
export function runPolicy(host: string, model: string, requests: string[], minMilli?: number): PolicyRow[] {
  const args = ['policy', '--model', model, ...(minMilli === undefined ? [] : ['--min-milli', String(minMilli)])];
  const lines = requests.map(asConsoleLine);
  if (lines.some((l) => l === '')) throw new Error('runPolicy: an empty request has no answer line');
  const r = spawnSync(host, args, { input: `${lines.join('\n')}\n`, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`slm-host policy failed (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
  const rows = r.stdout.trim().split('\n').map((l) => {
    const j = JSON.parse(l) as {
      request: string; intent: string; confidence: number; by: PolicyRow['by'];
      neural: { intent: string | null; confidence: number }; rules: { intent: string; confidence: number; matched: boolean };
    };
    return {
      request: j.request, intent: j.intent, milli: milli(j.confidence), by: j.by,
      neural: { intent: j.neural.intent, milli: milli(j.neural.confidence) },
      rules: { intent: j.rules.intent, milli: milli(j.rules.confidence), matched: j.rules.matched },
    };
  });
  if (rows.length !== requests.length) throw new Error(`slm-host policy answered ${rows.length} of ${requests.length} requests`);
  return rows;
}

/** Who decides at threshold t, from one row's two votes (policy.c in TypeScript). */
export function deciderAt(row: PolicyRow, t: number): PolicyRow['by'] {
  if (row.neural.intent !== null && row.neural.milli >= t) return 'neural';
  return row.rules.matched || row.neural.intent === null ? 'rules fallback' : 'neural, no rule matched';
}

/** The policy's decision at threshold t. */
export function decideAt(row: PolicyRow, t: number): string {
  return deciderAt(row, t) === 'rules fallback' ? row.rules.intent! : row.neural.intent!;
}

export interface SweepPoint {
  threshold: number;
  accuracy: number;
  /** Share of requests the model decided (confident, or no rule matched). */
  neuralShare: number;
}

/** Accuracy of the policy at each threshold (0 = the model whenever it names an intent; 1001 = the
 * rules whenever a rule matched). */
export function sweep(rows: PolicyRow[], gold: string[], thresholds: number[]): SweepPoint[] {
  return thresholds.map((threshold) => {
    let right = 0;
    let neural = 0;
    rows.forEach((row, i) => {
      if (decideAt(row, threshold) === gold[i]) right++;
      if (deciderAt(row, threshold) !== 'rules fallback') neural++;
    });
    return { threshold, accuracy: right / rows.length, neuralShare: neural / rows.length };
  });
}
