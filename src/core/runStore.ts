/**
 * Reading runs back from disk. Each run lives in `.auton/runs/<id>/`; its `state.json` holds the
 * latest snapshot (goal, status, tasks) that the task tree and `auton status` show.
 * Reading is tolerant: a run whose state cannot be read still appears, with the reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const RUNS_DIR = join('.auton', 'runs');

export interface TaskSnapshot {
  readonly id: string;
  readonly title: string;
  readonly status: string;
  readonly role?: string;
  /** What has to hold for the task to be merged. */
  readonly acceptance?: readonly string[];
  /** Model spend on the task so far, in US dollars. */
  readonly costUsd?: number;
  readonly attempts?: number;
  /** Why the task failed, or the last gate's complaint. */
  readonly reason?: string;
}

export interface RunSnapshot {
  readonly id: string;
  readonly goal: string;
  readonly status: string;
  readonly tasks: readonly TaskSnapshot[];
  /** Model spend of the whole run so far, in US dollars, when recorded. */
  readonly usd?: number;
  /** Why `state.json` could not be read, when it could not. */
  readonly error?: string;
}

const text = (value: unknown, fallback: string): string => (typeof value === 'string' && value !== '' ? value : fallback);

function toTask(value: unknown, index: number): TaskSnapshot {
  const task = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const id = text(task.id, `task-${index + 1}`);
  const role = typeof task.role === 'string' ? task.role : undefined;
  const acceptance = Array.isArray(task.acceptance) ? task.acceptance.filter((a): a is string => typeof a === 'string') : undefined;
  return {
    id,
    title: text(task.title, id),
    status: text(task.status, 'unknown'),
    ...(role ? { role } : {}),
    ...(acceptance ? { acceptance } : {}),
    ...(finite(task.costUsd) ? { costUsd: task.costUsd } : {}),
    ...(finite(task.attempts) ? { attempts: task.attempts } : {}),
    ...(typeof task.reason === 'string' && task.reason !== '' ? { reason: task.reason } : {}),
  };
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function readRun(root: string, id: string): RunSnapshot {
  const file = join(root, RUNS_DIR, id, 'state.json');
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw new Error('it does not hold a JSON object');
    }
    const s = state as Record<string, unknown>;
    const tasks = Array.isArray(s.tasks) ? s.tasks.map(toTask) : [];
    const usage = typeof s.usage === 'object' && s.usage !== null ? (s.usage as Record<string, unknown>) : {};
    const usd = finite(usage.usd) ? { usd: usage.usd } : {};
    return { id, goal: text(s.goal, '(no goal recorded)'), status: text(s.status, 'unknown'), tasks, ...usd };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'state.json is missing' : (error as Error).message;
    return { id, goal: '(unreadable run)', status: 'unreadable', tasks: [], error: reason };
  }
}

/** Every run under `<root>/.auton/runs`, newest id first; none when the folder is absent. */
export function listRuns(root: string): RunSnapshot[] {
  let ids: string[];
  try {
    ids = readdirSync(join(root, RUNS_DIR), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
  return ids.sort().reverse().map((id) => readRun(root, id));
}
