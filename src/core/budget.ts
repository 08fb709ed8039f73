/** Budgets that stop a run cleanly: tokens, cost, wall time, agent turns. 0 means no limit. */

export interface BudgetLimits {
  maxUsd: number;
  maxTokens: number;
  maxMinutes: number;
  maxIterations: number;
}

export interface BudgetUsage {
  usd: number;
  tokens: number;
  /** Milliseconds spent in earlier sessions of this run (before a resume). */
  priorMs: number;
  iterations: number;
}

export class BudgetExceeded extends Error {
  override name = 'BudgetExceeded';
}

export class Budget {
  private readonly startedAt: number;

  constructor(readonly limits: BudgetLimits, readonly usage: BudgetUsage = { usd: 0, tokens: 0, priorMs: 0, iterations: 0 }, private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  elapsedMs(): number {
    return this.usage.priorMs + (this.now() - this.startedAt);
  }

  record(usd: number, tokens: number): void {
    this.usage.usd += usd;
    this.usage.tokens += tokens;
    this.usage.iterations += 1;
  }

  /** The reason the run must stop, or undefined. */
  exceeded(): string | undefined {
    const l = this.limits;
    const u = this.usage;
    if (l.maxUsd > 0 && u.usd >= l.maxUsd) return `budget spent: $${u.usd.toFixed(4)} of $${l.maxUsd}`;
    if (l.maxTokens > 0 && u.tokens >= l.maxTokens) return `token budget spent: ${u.tokens} of ${l.maxTokens}`;
    if (l.maxIterations > 0 && u.iterations >= l.maxIterations) return `iteration budget spent: ${u.iterations} agent turns of ${l.maxIterations}`;
    if (l.maxMinutes > 0 && this.elapsedMs() >= l.maxMinutes * 60_000) return `time budget spent: ${(this.elapsedMs() / 60_000).toFixed(1)} of ${l.maxMinutes} minutes`;
    return undefined;
  }

  check(): void {
    const reason = this.exceeded();
    if (reason) throw new BudgetExceeded(reason);
  }

  snapshot(): BudgetUsage {
    return { ...this.usage, priorMs: this.elapsedMs() };
  }
}
