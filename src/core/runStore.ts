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
}

export interface RunSnapshot {
  readonly id: string;
  readonly goal: string;
  readonly status: string;
  readonly tasks: readonly TaskSnapshot[];
  /** Why `state.json` could not be read, when it could not. */
  readonly error?: string;
}

const text = (value: unknown, fallback: string): string => (typeof value === 'string' && value !== '' ? value : fallback);

function toTask(value: unknown, index: number): TaskSnapshot {
  const task = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const id = text(task.id, `task-${index + 1}`);
  const role = typeof task.role === 'string' ? task.role : undefined;
  return { id, title: text(task.title, id), status: text(task.status, 'unknown'), ...(role ? { role } : {}) };
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
    return { id, goal: text(s.goal, '(no goal recorded)'), status: text(s.status, 'unknown'), tasks };
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
