import { strict as assert } from 'node:assert';
import { classifyError, LlmError, parseRetryAfter, withRetries, type RetryNotice } from '../../../src/llm/index';
import { defaultSleep } from '../../../src/llm/retry';

/** An SDK-like HTTP error: what both SDKs' APIError carries. */
function httpError(status: number, headers: Record<string, string> = {}, body?: unknown): Error {
  return Object.assign(new Error(`${status} status code`), { status, headers: new Headers(headers), error: body });
}

function recorder(): { sleeps: number[]; sleep: (ms: number) => Promise<void> } {
  const sleeps: number[] = [];
  return { sleeps, sleep: (ms) => (sleeps.push(ms), Promise.resolve()) };
}

describe('llm/retry withRetries', () => {
  it('returns the first success and tells fn its attempt number', async () => {
    const seen: number[] = [];
    const value = await withRetries(({ attempt }) => {
      seen.push(attempt);
      return attempt < 3 ? Promise.reject(httpError(500)) : Promise.resolve('done');
    }, { sleep: recorder().sleep });
    assert.equal(value, 'done');
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('backs off exponentially with jitter up to maxDelayMs, then gives up saying how often it tried', async () => {
    const low = recorder();
    const error = await withRetries(() => Promise.reject(httpError(502)), {
      maxAttempts: 6,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      sleep: low.sleep,
      random: () => 0,
    }).catch((e: unknown) => e);
    assert.deepEqual(low.sleeps, [50, 100, 200, 400, 500]);
    assert.ok(error instanceof LlmError);
    assert.equal(error.kind, 'server');
    assert.equal(error.options.attempts, 6);
    assert.match(error.message, /gave up after 6 attempts/);

    const high = recorder();
    await withRetries(() => Promise.reject(httpError(500)), { maxAttempts: 3, baseDelayMs: 100, sleep: high.sleep, random: () => 0.999 }).catch(() => undefined);
    assert.deepEqual(high.sleeps, [100, 200]);
  });

  it('defaults to 5 attempts', async () => {
    let calls = 0;
    await withRetries(() => {
      calls++;
      return Promise.reject(httpError(503));
    }, { sleep: recorder().sleep }).catch(() => undefined);
    assert.equal(calls, 5);
  });

  for (const [status, kind] of [
    [401, 'auth'],
    [403, 'auth'],
    [400, 'bad-request'],
    [404, 'bad-request'],
    [422, 'bad-request'],
  ] as const) {
    it(`never retries HTTP ${status} (${kind})`, async () => {
      let calls = 0;
      const error = await withRetries(() => {
        calls++;
        return Promise.reject(httpError(status));
      }, { sleep: recorder().sleep }).catch((e: unknown) => e);
      assert.equal(calls, 1);
      assert.ok(error instanceof LlmError);
      assert.equal(error.kind, kind);
      assert.equal(error.options.attempts, 1);
    });
  }

  it('never retries an invalid response or a cancellation', async () => {
    for (const thrown of [new SyntaxError('Unexpected token <'), new LlmError('stop', 'cancelled')]) {
      let calls = 0;
      await withRetries(() => {
        calls++;
        return Promise.reject(thrown);
      }, { sleep: recorder().sleep }).catch(() => undefined);
      assert.equal(calls, 1, thrown.message);
    }
  });

  it('waits what retry-after asks for 429 and 5xx, and reports each retry', async () => {
    const { sleeps, sleep } = recorder();
    const notices: RetryNotice[] = [];
    const replies = [httpError(429, { 'retry-after': '3' }), httpError(503, { 'retry-after-ms': '250' }), httpError(500)];
    const value = await withRetries(
      () => {
        const next = replies.shift();
        return next === undefined ? Promise.resolve('ok') : Promise.reject(next);
      },
      { sleep, random: () => 0, baseDelayMs: 1000, onRetry: (n) => notices.push(n) },
    );
    assert.equal(value, 'ok');
    assert.deepEqual(sleeps, [3000, 250, 2000]);
    assert.deepEqual(
      notices.map((n) => [n.attempt, n.error.kind, n.delayMs]),
      [
        [1, 'rate-limit', 3000],
        [2, 'server', 250],
        [3, 'server', 2000],
      ],
    );
  });

  it('gives up when the provider asks for a longer wait than maxRetryAfterMs', async () => {
    const { sleeps, sleep } = recorder();
    const error = await withRetries(() => Promise.reject(httpError(429, { 'retry-after': '86400' })), { sleep }).catch((e: unknown) => e);
    assert.ok(error instanceof LlmError);
    assert.equal(error.kind, 'rate-limit');
    assert.match(error.message, /asked to wait 86400 s/);
    assert.deepEqual(sleeps, []);
  });

  it('ends an attempt at its timeout even if fn ignores the signal, and retries it', async () => {
    const signals: AbortSignal[] = [];
    const value = await withRetries(
      ({ attempt, signal }) => {
        signals.push(signal);
        return attempt === 1 ? new Promise<string>(() => undefined) : Promise.resolve('second');
      },
      { timeoutMs: 50, sleep: recorder().sleep },
    );
    assert.equal(value, 'second');
    assert.equal(signals[0]?.aborted, true, 'the timed-out attempt was aborted');
    assert.equal(signals[1]?.aborted, false);
  });

  it('is cancelled during the wait between attempts, leaving no timer behind', async () => {
    const controller = new AbortController();
    const error = await withRetries(() => Promise.reject(httpError(500)), {
      baseDelayMs: 60_000,
      sleep: defaultSleep,
      signal: controller.signal,
      onRetry: () => controller.abort(),
    }).catch((e: unknown) => e);
    assert.ok(error instanceof LlmError);
    assert.equal(error.kind, 'cancelled');
  });

  it('does not start when the signal is already aborted', async () => {
    let calls = 0;
    const error = await withRetries(() => {
      calls++;
      return Promise.resolve(1);
    }, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    assert.equal(calls, 0);
    assert.ok(error instanceof LlmError && error.kind === 'cancelled');
  });
});

describe('llm/retry parseRetryAfter', () => {
  const now = Date.parse('2026-11-26T10:00:00Z');
  it('reads retry-after-ms first, then retry-after in seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter(new Headers({ 'retry-after-ms': '1234.4', 'retry-after': '9' })), 1234);
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': '9' })), 9000);
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': '1.5' })), 1500);
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'Thu, 26 Nov 2026 10:00:30 GMT' }), now), 30_000);
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'Thu, 26 Nov 2026 09:00:00 GMT' }), now), 0);
    assert.equal(parseRetryAfter({ 'retry-after': ['4'] }), 4000);
  });
  it('ignores what it cannot read', () => {
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'soon' })), undefined);
    assert.equal(parseRetryAfter(new Headers({ 'retry-after-ms': '-5' })), undefined);
    assert.equal(parseRetryAfter(new Headers()), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
});

describe('llm/retry classifyError', () => {
  const ctx = { provider: 'anthropic', model: 'claude-x', baseURL: 'https://api.example', keyEnv: 'ANTHROPIC_API_KEY' };

  it('maps HTTP statuses to kinds', () => {
    const kinds = [401, 403, 400, 404, 413, 422, 408, 409, 429, 500, 529].map((s) => [s, classifyError(httpError(s), ctx).kind]);
    assert.deepEqual(kinds, [
      [401, 'auth'],
      [403, 'auth'],
      [400, 'bad-request'],
      [404, 'bad-request'],
      [413, 'bad-request'],
      [422, 'bad-request'],
      [408, 'timeout'],
      [409, 'server'],
      [429, 'rate-limit'],
      [500, 'server'],
      [529, 'server'],
    ]);
  });

  it('says what to do', () => {
    assert.match(classifyError(httpError(401), ctx).message, /check ANTHROPIC_API_KEY or run "AUTON: Set API Key"/);
    assert.match(classifyError(httpError(404), ctx).message, /check the model name "claude-x" and the base URL https:\/\/api\.example/);
  });

  it('recognises connection failures, cut streams and stream error events', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    assert.equal(classifyError(refused, ctx).kind, 'network');
    assert.match(classifyError(refused, ctx).message, /could not talk to anthropic at https:\/\/api\.example: fetch failed: connect ECONNREFUSED/);
    assert.equal(classifyError(new TypeError('terminated'), ctx).kind, 'network');
    const overloaded = Object.assign(new Error('stream error'), { error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    assert.equal(classifyError(overloaded, ctx).kind, 'server');
    assert.equal(classifyError(new SyntaxError('Unexpected end of JSON input'), ctx).kind, 'invalid-response');
    assert.equal(classifyError(Object.assign(new Error('x'), { name: 'AbortError' }), ctx).kind, 'cancelled');
    assert.equal(classifyError(new Error('x'), { ...ctx, sdkKind: 'timeout' }).kind, 'timeout');
  });

  it('keeps secrets out of the message', () => {
    const error = httpError(401, {}, { error: { message: 'bad key sk-ant-api03-abcdefghijklmnopqrstuvwxyz' } });
    const message = classifyError(error, { ...ctx, secrets: ['sk-ant-api03-abcdefghijklmnopqrstuvwxyz'] }).message;
    assert.ok(!message.includes('abcdefghijklmnop'), message);
    assert.match(message, /\[redacted\]/);
  });
});
