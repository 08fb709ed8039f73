import { strict as assert } from 'node:assert';
import { totalTokens, UsageLedger, type ChatResponse } from '../../../src/llm/index';

function response(input: number, output: number, cacheRead: number, cacheWrite: number, costUsd: number, attempts = 1, priced = true): ChatResponse {
  return {
    content: [],
    stopReason: 'end_turn',
    usage: { inputTokens: input, outputTokens: output, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite },
    model: 'm',
    costUsd,
    priced,
    attempts,
  };
}

describe('llm/accounting UsageLedger', () => {
  function sample(): UsageLedger {
    const ledger = new UsageLedger();
    ledger.record(response(100, 10, 1000, 0, 0.5), { role: 'developer', taskId: 'mm-1', model: 'anthropic/claude-sonnet-4-6' });
    ledger.record(response(50, 5, 0, 200, 0.25, 3), { role: 'developer', taskId: 'sched-1', model: 'anthropic/claude-sonnet-4-6' });
    ledger.record(response(10, 1, 0, 0, 0, 1, false), { role: 'manager', model: 'openai/gpt-9' });
    ledger.recordFailure({ role: 'reviewer', taskId: 'mm-1', model: 'anthropic/claude-sonnet-4-6' }, 5);
    return ledger;
  }

  it('totals tokens, cost, calls and retries for the run, per role, task and model', () => {
    const ledger = sample();
    assert.deepEqual(ledger.total, {
      inputTokens: 160,
      outputTokens: 16,
      cacheReadTokens: 1000,
      cacheWriteTokens: 200,
      costUsd: 0.75,
      calls: 3,
      failedCalls: 1,
      retries: 2 + 4,
      unpricedCalls: 1,
    });
    assert.equal(ledger.role('developer').calls, 2);
    assert.equal(ledger.role('developer').costUsd, 0.75);
    assert.equal(ledger.role('reviewer').failedCalls, 1);
    assert.equal(ledger.task('mm-1').inputTokens, 100);
    assert.equal(ledger.task('mm-1').retries, 4);
    assert.equal(ledger.model('openai/gpt-9').unpricedCalls, 1);
    assert.equal(ledger.role('tester').calls, 0, 'unknown keys read as zero');
    assert.equal(totalTokens(ledger.total), 160 + 16 + 1000 + 200);
  });

  it('hands out copies, not its own counters', () => {
    const ledger = sample();
    ledger.total.calls = 99;
    ledger.role('developer').calls = 99;
    assert.equal(ledger.total.calls, 3);
    assert.equal(ledger.role('developer').calls, 2);
  });

  it('snapshots to JSON and restores to the same ledger, which keeps counting', () => {
    const ledger = sample();
    const restored = UsageLedger.restore(JSON.parse(JSON.stringify(ledger.snapshot())));
    assert.deepEqual(restored.snapshot(), ledger.snapshot());
    restored.record(response(1, 1, 0, 0, 0.01), { role: 'developer', taskId: 'mm-1', model: 'anthropic/claude-sonnet-4-6' });
    assert.equal(restored.total.calls, 4);
    assert.equal(ledger.total.calls, 3, 'the original is untouched');
  });

  it('refuses a damaged snapshot with a reason', () => {
    assert.throws(() => UsageLedger.restore({ version: 2 }), /not a version 1 UsageLedger snapshot/);
    assert.throws(() => UsageLedger.restore(null), /not a version 1/);
    assert.throws(() => UsageLedger.restore({ version: 1, total: { calls: -1 } }), /total\.calls must be a number >= 0/);
    assert.throws(() => UsageLedger.restore({ version: 1, total: {}, byRole: { dev: { costUsd: 'x' } } }), /byRole\.dev\.costUsd/);
  });
});
