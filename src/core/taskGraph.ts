/**
 * The task graph a Manager produces: tasks with dependencies, validated
 * (unknown ids, duplicates, cycles) and walked in dependency order. States
 * move only along the transitions below, so a replayed event log always
 * rebuilds the same graph.
 */

export const TASK_STATES = [
  'pending',     // waiting for dependencies
  'ready',       // dependencies merged; waiting for a developer slot
  'developing',  // a Developer agent is working in its worktree
  'reviewing',   // the Reviewer is reading the diff
  'testing',     // build + QEMU tests on every target arch
  'integrating', // merging onto the integration branch + full suite + composition check
  'awaiting-user', // human review mode: waiting for accept/reject
  'merged',
  'failed',
  'blocked',     // a dependency failed
] as const;
export type TaskState = (typeof TASK_STATES)[number];

export interface TaskSpec {
  id: string;
  title: string;
  description: string;
  subsystem: string;
  arch: string[];
  deps: string[];
  acceptance: string[];
}

export interface TaskNode extends TaskSpec {
  state: TaskState;
  attempts: number;
  /** Why the task is failed/blocked, or the last gate's complaint. */
  reason?: string;
}

const TERMINAL: ReadonlySet<TaskState> = new Set(['merged', 'failed', 'blocked']);
const ACTIVE: ReadonlySet<TaskState> = new Set(['developing', 'reviewing', 'testing', 'integrating', 'awaiting-user']);

const TRANSITIONS: Record<TaskState, readonly TaskState[]> = {
  pending: ['ready', 'blocked', 'failed'],
  ready: ['developing', 'blocked', 'failed'],
  developing: ['reviewing', 'testing', 'failed', 'ready'],
  reviewing: ['developing', 'testing', 'failed', 'ready'],
  testing: ['developing', 'integrating', 'failed', 'ready'],
  integrating: ['developing', 'awaiting-user', 'merged', 'failed', 'ready'],
  'awaiting-user': ['developing', 'merged', 'failed', 'ready'],
  merged: [],
  failed: ['ready'],   // a user retry
  blocked: ['pending'], // the failed dependency was retried
};

export class TaskGraphError extends Error {
  override name = 'TaskGraphError';
}

/** Problems with a proposed plan, as sentences a model can act on; empty when valid. */
export function validatePlan(tasks: readonly TaskSpec[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  if (tasks.length === 0) problems.push('the plan has no tasks');
  for (const t of tasks) {
    if (!/^[a-z0-9][a-z0-9-]{0,47}$/.test(t.id)) {
      problems.push(`task id "${t.id}" must be 1-48 characters of a-z, 0-9 and "-", starting with a letter or digit`);
    }
    if (ids.has(t.id)) problems.push(`task id "${t.id}" is used twice`);
    ids.add(t.id);
  }
  for (const t of tasks) {
    for (const d of t.deps) {
      if (d === t.id) problems.push(`task "${t.id}" depends on itself`);
      else if (!ids.has(d)) problems.push(`task "${t.id}" depends on unknown task "${d}"`);
    }
  }
  const cycle = findCycle(tasks);
  if (cycle) problems.push(`dependency cycle: ${cycle.join(' -> ')}`);
  return problems;
}

/** One dependency cycle as a list of ids (first id repeated at the end), or undefined. */
export function findCycle(tasks: readonly TaskSpec[]): string[] | undefined {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const color = new Map<string, 'grey' | 'black'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    color.set(id, 'grey');
    stack.push(id);
    for (const d of byId.get(id)?.deps ?? []) {
      if (!byId.has(d) || d === id) continue;
      if (color.get(d) === 'grey') return [...stack.slice(stack.indexOf(d)), d];
      if (!color.has(d)) {
        const found = visit(d);
        if (found) return found;
      }
    }
    stack.pop();
    color.set(id, 'black');
    return undefined;
  };
  for (const t of tasks) {
    if (!color.has(t.id)) {
      const found = visit(t.id);
      if (found) return found;
    }
  }
  return undefined;
}

export class TaskGraph {
  private readonly nodes = new Map<string, TaskNode>();

  constructor(tasks: readonly TaskSpec[]) {
    const problems = validatePlan(tasks);
    if (problems.length) throw new TaskGraphError(`invalid task graph: ${problems.join('; ')}`);
    for (const t of tasks) this.nodes.set(t.id, { ...t, state: 'pending', attempts: 0 });
    this.refresh();
  }

  get(id: string): TaskNode {
    const n = this.nodes.get(id);
    if (!n) throw new TaskGraphError(`unknown task "${id}"`);
    return n;
  }

  all(): TaskNode[] {
    return [...this.nodes.values()];
  }

  /** Tasks in a dependency-respecting order (stable: plan order among equals). */
  topologicalOrder(): TaskNode[] {
    const done = new Set<string>();
    const out: TaskNode[] = [];
    const visit = (n: TaskNode) => {
      if (done.has(n.id)) return;
      done.add(n.id);
      for (const d of n.deps) visit(this.get(d));
      out.push(n);
    };
    for (const n of this.nodes.values()) visit(n);
    return out;
  }

  setState(id: string, state: TaskState, reason?: string): void {
    const n = this.get(id);
    if (n.state === state) return;
    if (!TRANSITIONS[n.state].includes(state)) {
      throw new TaskGraphError(`task "${id}" cannot go from ${n.state} to ${state}`);
    }
    n.state = state;
    if (state === 'developing') n.attempts++;
    n.reason = reason ?? (state === 'merged' ? undefined : n.reason);
    this.refresh();
  }

  /** Promotes pending tasks whose deps are merged; blocks those with a failed dep. */
  private refresh(): void {
    let changed = true;
    while (changed) {
      changed = false;
      for (const n of this.nodes.values()) {
        if (n.state !== 'pending') continue;
        const deps = n.deps.map((d) => this.get(d));
        const bad = deps.find((d) => d.state === 'failed' || d.state === 'blocked');
        if (bad) {
          n.state = 'blocked';
          n.reason = `dependency "${bad.id}" ${bad.state}`;
          changed = true;
        } else if (deps.every((d) => d.state === 'merged')) {
          n.state = 'ready';
          changed = true;
        }
      }
    }
  }

  /** Enters a new developer attempt (from any active state or ready). */
  startAttempt(id: string): number {
    const n = this.get(id);
    if (n.state !== 'developing') this.setState(id, 'developing');
    else n.attempts++;
    return n.attempts;
  }

  /**
   * Sets states from a replayed log. Tasks that were in flight go back to
   * ready (their committed work stays on their branch); the rest keep their
   * state; pending/ready/blocked are then recomputed from the dependencies.
   */
  restore(states: ReadonlyMap<string, { state: TaskState; reason?: string; attempts: number }>): void {
    for (const n of this.nodes.values()) {
      const s = states.get(n.id);
      n.attempts = s?.attempts ?? 0;
      n.reason = s?.reason;
      // merged and failed are facts; everything else is recomputed from the dependencies.
      n.state = s && (s.state === 'merged' || s.state === 'failed') ? s.state : 'pending';
    }
    this.refresh();
  }

  /** Puts a failed task (and the tasks it blocked) back in line. */
  retry(id: string): void {
    this.setState(id, 'ready');
    for (const n of this.nodes.values()) {
      if (n.state === 'blocked') {
        n.state = 'pending';
        n.reason = undefined;
      }
    }
    this.refresh();
  }

  ready(): TaskNode[] {
    return this.topologicalOrder().filter((n) => n.state === 'ready');
  }

  active(): TaskNode[] {
    return this.all().filter((n) => ACTIVE.has(n.state));
  }

  isFinished(): boolean {
    return this.all().every((n) => TERMINAL.has(n.state));
  }

  succeeded(): boolean {
    return this.all().every((n) => n.state === 'merged');
  }

  counts(): Record<TaskState, number> {
    const c = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskState, number>;
    for (const n of this.nodes.values()) c[n.state]++;
    return c;
  }
}
