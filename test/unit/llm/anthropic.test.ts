import { strict as assert } from 'node:assert';
import type { ChatMessage, RetryNotice, ToolSpec } from '../../../src/llm/index';
import { ANTHROPIC_KEY, rejectsWith, scripted, useMockServer, user } from './helpers';

const MODEL = 'anthropic/claude-sonnet-4-6';
const TOOLS: ToolSpec[] = [
  { name: 'read_file', description: 'Read a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } },
  { name: 'write_file', description: 'Write a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } },
];

describe('llm/anthropic through @anthropic-ai/sdk against the mock server', () => {
  const h = useMockServer();

  it('sends system, messages and the key, and reads a plain text reply', async () => {
    const client = await scripted(h, MODEL, [{ text: 'Hello there' }]);
    const reply = await client.chat({ system: 'You are terse.', messages: [user('hi')] });

    assert.equal(client.id, MODEL);
    assert.deepEqual(reply.content, [{ type: 'text', text: 'Hello there' }]);
    assert.equal(reply.stopReason, 'end_turn');
    assert.deepEqual(reply.usage, { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 });
    assert.equal(reply.attempts, 1);
    assert.equal(reply.model, 'claude-sonnet-4-6');

    const [req] = h.server.requests;
    assert.ok(req);
    assert.equal(req.api, 'anthropic');
    assert.equal(req.path, '/v1/messages');
    assert.equal(req.stream, false);
    assert.equal(req.model, 'claude-sonnet-4-6');
    assert.equal(req.system, 'You are terse.');
    assert.deepEqual(req.messages, [user('hi')]);
    const auth = `${String(req.headers['x-api-key'] ?? '')} ${String(req.headers.authorization ?? '')}`;
    assert.ok(auth.includes(ANTHROPIC_KEY), 'the key is sent');
  });

  it('streams text deltas to onText and assembles them', async () => {
    const client = await scripted(h, MODEL, [{ text: 'The kernel boots on three architectures.' }]);
    const deltas: string[] = [];
    const reply = await client.chat({ system: 's', messages: [user('go')], stream: true, onText: (d) => deltas.push(d) });

    assert.ok(deltas.length > 1, 'several deltas');
    assert.equal(deltas.join(''), 'The kernel boots on three architectures.');
    assert.deepEqual(reply.content, [{ type: 'text', text: 'The kernel boots on three architectures.' }]);
    assert.equal(h.server.requests[0]?.stream, true);
  });

  for (const stream of [false, true]) {
    it(`reads text and tool_use blocks (${stream ? 'streaming' : 'JSON'})`, async () => {
      const client = await scripted(h, MODEL, [
        {
          text: 'Reading both.',
          toolCalls: [
            { name: 'read_file', input: { path: 'kernels/core/main.c', lines: [1, 20] } },
            { name: 'read_file', input: { path: 'kernels/hal/hal.h' }, id: 'toolu_fixed' },
          ],
        },
      ]);
      const reply = await client.chat({ system: 's', messages: [user('read')], tools: TOOLS, stream });

      assert.equal(reply.stopReason, 'tool_use');
      assert.deepEqual(reply.content, [
        { type: 'text', text: 'Reading both.' },
        { type: 'tool_use', id: 'toolu_mock_0_0', name: 'read_file', input: { path: 'kernels/core/main.c', lines: [1, 20] } },
        { type: 'tool_use', id: 'toolu_fixed', name: 'read_file', input: { path: 'kernels/hal/hal.h' } },
      ]);
      assert.deepEqual(h.server.requests[0]?.tools, ['read_file', 'write_file']);
    });
  }

  it('maps a conversation with tool calls and results onto the wire and back', async () => {
    const conversation: ChatMessage[] = [
      user('build it'),
      { role: 'assistant', content: [{ type: 'text', text: 'Building.' }, { type: 'tool_use', id: 'toolu_1', name: 'build', input: { arch: 'x86_64' } }] },
      { role: 'user', content: [{ type: 'tool_result', toolUseId: 'toolu_1', content: 'error: undefined symbol kmain', isError: true }] },
    ];
    const client = await scripted(h, MODEL, [{ text: 'Fixing.' }]);
    await client.chat({ system: 's', messages: conversation, tools: TOOLS });

    assert.deepEqual(h.server.requests[0]?.messages, conversation);
  });

  it('marks the system prompt and the last tool for prompt caching', async () => {
    const client = await scripted(h, MODEL, [{ text: 'ok' }]);
    await client.chat({ system: 'Long stable instructions.', messages: [user('x')], tools: TOOLS });

    const raw = h.server.requests[0]?.raw as { system: unknown; tools: { name: string; cache_control?: unknown }[] };
    assert.deepEqual(raw.system, [{ type: 'text', text: 'Long stable instructions.', cache_control: { type: 'ephemeral' } }]);
    assert.equal(raw.tools[0]?.cache_control, undefined);
    assert.deepEqual(raw.tools[1]?.cache_control, { type: 'ephemeral' });
  });

  for (const stream of [false, true]) {
    it(`counts cache reads and writes and prices them (${stream ? 'streaming' : 'JSON'})`, async () => {
      const client = await scripted(h, MODEL, [{ text: 'ok', usage: { input: 100, output: 50, cacheRead: 1000, cacheWrite: 200 } }]);
      const reply = await client.chat({ system: 's', messages: [user('x')], stream });

      assert.deepEqual(reply.usage, { inputTokens: 100, outputTokens: 50, cacheReadTokens: 1000, cacheWriteTokens: 200 });
      // Sonnet 4.6: $3 in, $15 out, $0.30 cache read, $3.75 cache write per million tokens.
      const expected = (100 * 3 + 50 * 15 + 1000 * 0.3 + 200 * 3.75) / 1e6;
      assert.ok(Math.abs(reply.costUsd - expected) < 1e-12, `${reply.costUsd} vs ${expected}`);
      assert.equal(reply.priced, true);
    });
  }

  it('does not retry a 401 and keeps the key out of the message', async () => {
    const client = await scripted(h, MODEL, [
      { status: 401, body: { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${ANTHROPIC_KEY}` } } },
    ]);
    const error = await rejectsWith(client.chat({ system: 's', messages: [user('x')] }), 'auth');

    assert.equal(h.server.requests.length, 1);
    assert.deepEqual(h.sleeps, []);
    assert.equal(error.options.status, 401);
    assert.equal(error.options.attempts, 1);
    assert.match(error.message, /ANTHROPIC_API_KEY/);
    assert.match(error.message, /AUTON: Set API Key/);
    assert.ok(!error.message.includes(ANTHROPIC_KEY), error.message);
    assert.ok(!error.message.includes('TESTKEY'), error.message);
  });

  it('does not retry a 400', async () => {
    const client = await scripted(h, MODEL, [
      { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: too large' } } },
    ]);
    const error = await rejectsWith(client.chat({ system: 's', messages: [user('x')] }), 'bad-request');

    assert.equal(h.server.requests.length, 1);
    assert.match(error.message, /max_tokens: too large/);
  });

  it('honours retry-after on a 429', async () => {
    const client = await scripted(h, MODEL, [{ status: 429, headers: { 'retry-after': '7' } }, { text: 'ok' }]);
    const notices: RetryNotice[] = [];
    const reply = await client.chat({ system: 's', messages: [user('x')], onRetry: (n) => notices.push(n) });

    assert.deepEqual(h.sleeps, [7000]);
    assert.equal(reply.attempts, 2);
    assert.equal(notices.length, 1);
    assert.equal(notices[0]?.error.kind, 'rate-limit');
    assert.equal(notices[0]?.delayMs, 7000);
  });

  it('retries a 500, then succeeds (backoff with jitter, SDK retries off)', async () => {
    const client = await scripted(h, MODEL, [{ status: 500 }, { status: 529 }, { text: 'ok' }]);
    const reply = await client.chat({ system: 's', messages: [user('x')] });

    assert.equal(reply.attempts, 3);
    assert.equal(h.server.requests.length, 3, 'no hidden SDK retries');
    // random() = 0.5: half of 1000 ms fixed plus a quarter, then the same of 2000 ms.
    assert.deepEqual(h.sleeps, [750, 1500]);
  });

  it('retries the whole request when the stream dies midway', async () => {
    const client = await scripted(h, MODEL, [{ cutStreamAfterChunks: 4, text: 'a partial answer that never ends' }, { text: 'the whole answer' }]);
    const deltas: string[] = [];
    const notices: RetryNotice[] = [];
    const reply = await client.chat({
      system: 's',
      messages: [user('x')],
      stream: true,
      onText: (d) => deltas.push(d),
      onRetry: (n) => notices.push(n),
    });

    assert.deepEqual(reply.content, [{ type: 'text', text: 'the whole answer' }]);
    assert.equal(reply.attempts, 2);
    assert.equal(notices[0]?.error.kind, 'network');
    assert.ok(deltas.join('').endsWith('the whole answer'));
  });

  it('retries a JSON body cut short, then succeeds', async () => {
    const client = await scripted(h, MODEL, [{ cutStreamAfterChunks: 1, text: 'cut' }, { text: 'ok' }]);
    const reply = await client.chat({ system: 's', messages: [user('x')] });

    assert.deepEqual(reply.content, [{ type: 'text', text: 'ok' }]);
    assert.equal(reply.attempts, 2);
  });

  it('reports a body that is not JSON as an invalid response at once (not retried)', async () => {
    const client = await scripted(h, MODEL, [{ rawBody: '{"id": "msg_1", "content": [' }, { text: 'never asked' }]);
    const error = await rejectsWith(client.chat({ system: 's', messages: [user('x')] }), 'invalid-response');

    assert.equal(h.server.requests.length, 1);
    assert.match(error.message, /not valid JSON/);
    assert.match(error.message, new RegExp(h.server.url.replace(/\./g, '\\.')));
  });

  it('reports a 200 that is not a Messages reply as an invalid response', async () => {
    const client = await scripted(h, MODEL, [{ rawBody: '<html>proxy login</html>', contentType: 'text/html' }]);
    const error = await rejectsWith(client.chat({ system: 's', messages: [user('x')] }), 'invalid-response');
    assert.match(error.message, /proxy login/);
  });

  for (const stream of [true, false]) {
    it(`hands tool arguments that are not JSON over as __invalid_json (${stream ? 'streaming' : 'JSON'})`, async () => {
      const client = await scripted(h, MODEL, [{ rawToolArguments: '{"path": "a.c"', name: 'read_file' }]);
      const reply = await client.chat({ system: 's', messages: [user('x')], tools: TOOLS, stream });

      assert.deepEqual(reply.content, [{ type: 'tool_use', id: 'toolu_mock_0_0', name: 'read_file', input: { __invalid_json: '{"path": "a.c"' } }]);
    });
  }

  it('times out a slow attempt and retries it', async () => {
    const client = await scripted(h, MODEL, [{ delayMs: 5_000, then: { text: 'too late' } }, { text: 'in time' }]);
    const notices: RetryNotice[] = [];
    const reply = await client.chat({ system: 's', messages: [user('x')], timeoutMs: 150, onRetry: (n) => notices.push(n) });

    assert.deepEqual(reply.content, [{ type: 'text', text: 'in time' }]);
    assert.equal(notices[0]?.error.kind, 'timeout');
  });

  it('times out a stream that stalls midway', async () => {
    h.server.setScript([{ delayMs: 5_000, then: { text: 'x' } }, { delayMs: 5_000, then: { text: 'x' } }]);
    const { createLlmClient } = await import('../../../src/llm/index');
    const client = await createLlmClient(MODEL, {
      env: { ANTHROPIC_API_KEY: ANTHROPIC_KEY },
      baseUrls: { anthropic: h.server.url },
      sleep: () => Promise.resolve(),
      retry: { maxAttempts: 2 },
    });
    const error = await rejectsWith(client.chat({ system: 's', messages: [user('x')], stream: true, timeoutMs: 100 }), 'timeout');
    assert.equal(error.options.attempts, 2);
    assert.match(error.message, /gave up after 2 attempts/);
  });

  it('stops at once when the signal aborts, without retrying', async () => {
    const controller = new AbortController();
    h.server.setScript(() => {
      controller.abort();
      return { delayMs: 5_000, then: { text: 'never' } };
    });
    const { createLlmClient } = await import('../../../src/llm/index');
    const client = await createLlmClient(MODEL, { env: { ANTHROPIC_API_KEY: ANTHROPIC_KEY }, baseUrls: { anthropic: h.server.url } });
    await rejectsWith(client.chat({ system: 's', messages: [user('x')], stream: true, signal: controller.signal }), 'cancelled');
    assert.equal(h.server.requests.length, 1);
  });
});
