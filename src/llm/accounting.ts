/**
 * The run's bill: tokens, dollars, calls and retries of every model call, totalled for the run,
 * per role, per task and per model. It snapshots to plain JSON so a resumed run carries on
 * from what it had already spent.
 */
import type { ChatResponse, Usage } from './types';

export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  /** Calls that got a reply. */
  calls: number;
  /** Calls that failed after all their attempts. */
  failedCalls: number;
  /** Attempts beyond the first, of every call. */
  retries: number;
  /** Replies from models missing from the price table (their cost counts as 0). */
  unpricedCalls: number;
}

export interface UsageSnapshot {
  version: 1;
  total: UsageTotals;
  byRole: Record<string, UsageTotals>;
  byTask: Record<string, UsageTotals>;
  byModel: Record<string, UsageTotals>;
}

/** Who made a call: the role, the task when there is one, the model (`provider/model`). */
export interface CallOwner {
  role: string;
  taskId?: string;
  model: string;
}

export function emptyTotals(): UsageTotals {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    calls: 0,
    failedCalls: 0,
    retries: 0,
    unpricedCalls: 0,
  };
}

/** Every token of a reply, prompt (cached or not) and output. */
export function totalTokens(usage: Usage | UsageTotals): number {
  return usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
}

export class UsageLedger {
  private readonly totals: UsageTotals;
  private readonly byRole: Map<string, UsageTotals>;
  private readonly byTask: Map<string, UsageTotals>;
  private readonly byModel: Map<string, UsageTotals>;

  constructor(snapshot?: UsageSnapshot) {
    this.totals = snapshot === undefined ? emptyTotals() : { ...snapshot.total };
    this.byRole = toMap(snapshot?.byRole);
    this.byTask = toMap(snapshot?.byTask);
    this.byModel = toMap(snapshot?.byModel);
  }

  /** Adds a reply. */
  record(response: ChatResponse, owner: CallOwner): void {
    this.add(owner, (t) => {
      t.inputTokens += response.usage.inputTokens;
      t.outputTokens += response.usage.outputTokens;
      t.cacheReadTokens += response.usage.cacheReadTokens;
      t.cacheWriteTokens += response.usage.cacheWriteTokens;
      t.costUsd += response.costUsd;
      t.calls += 1;
      t.retries += Math.max(0, response.attempts - 1);
      t.unpricedCalls += response.priced === false ? 1 : 0;
    });
  }

  /** Adds a call that failed in the end (LlmError.options.attempts says how many tries it took). */
  recordFailure(owner: CallOwner, attempts = 1): void {
    this.add(owner, (t) => {
      t.failedCalls += 1;
      t.retries += Math.max(0, attempts - 1);
    });
  }

  get total(): UsageTotals {
    return { ...this.totals };
  }

  role(role: string): UsageTotals {
    return { ...(this.byRole.get(role) ?? emptyTotals()) };
  }

  task(taskId: string): UsageTotals {
    return { ...(this.byTask.get(taskId) ?? emptyTotals()) };
  }

  model(model: string): UsageTotals {
    return { ...(this.byModel.get(model) ?? emptyTotals()) };
  }

  snapshot(): UsageSnapshot {
    return {
      version: 1,
      total: { ...this.totals },
      byRole: fromMap(this.byRole),
      byTask: fromMap(this.byTask),
      byModel: fromMap(this.byModel),
    };
  }

  /** Rebuilds a ledger from `snapshot()` output read back from disk; refuses anything else. */
  static restore(data: unknown): UsageLedger {
    return new UsageLedger(checkSnapshot(data));
  }

  private add(owner: CallOwner, change: (totals: UsageTotals) => void): void {
    change(this.totals);
    change(entry(this.byRole, owner.role));
    change(entry(this.byModel, owner.model));
    if (owner.taskId !== undefined) {
      change(entry(this.byTask, owner.taskId));
    }
  }
}

function entry(map: Map<string, UsageTotals>, key: string): UsageTotals {
  let totals = map.get(key);
  if (totals === undefined) {
    totals = emptyTotals();
    map.set(key, totals);
  }
  return totals;
}

function toMap(record: Record<string, UsageTotals> | undefined): Map<string, UsageTotals> {
  return new Map(Object.entries(record ?? {}).map(([key, totals]) => [key, { ...totals }]));
}

function fromMap(map: Map<string, UsageTotals>): Record<string, UsageTotals> {
  return Object.fromEntries([...map.entries()].map(([key, totals]) => [key, { ...totals }]));
}

const TOTAL_FIELDS = Object.keys(emptyTotals()) as (keyof UsageTotals)[];

function checkTotals(value: unknown, where: string): UsageTotals {
  if (typeof value !== 'object' || value === null) {
    throw new Error(`usage snapshot: ${where} is not an object`);
  }
  const record = value as Record<string, unknown>;
  const totals = emptyTotals();
  for (const field of TOTAL_FIELDS) {
    const amount = record[field] ?? 0;
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      throw new Error(`usage snapshot: ${where}.${field} must be a number >= 0, got ${JSON.stringify(amount)}`);
    }
    totals[field] = amount;
  }
  return totals;
}

function checkGroup(value: unknown, where: string): Record<string, UsageTotals> {
  if (value === undefined) {
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`usage snapshot: ${where} is not an object`);
  }
  return Object.fromEntries(Object.entries(value).map(([key, totals]) => [key, checkTotals(totals, `${where}.${key}`)]));
}

function checkSnapshot(data: unknown): UsageSnapshot {
  if (typeof data !== 'object' || data === null || (data as { version?: unknown }).version !== 1) {
    throw new Error('usage snapshot: not a version 1 UsageLedger snapshot; the run file may be damaged or from another AUTON version');
  }
  const record = data as Record<string, unknown>;
  return {
    version: 1,
    total: checkTotals(record.total, 'total'),
    byRole: checkGroup(record.byRole, 'byRole'),
    byTask: checkGroup(record.byTask, 'byTask'),
    byModel: checkGroup(record.byModel, 'byModel'),
  };
}
