import { strict as assert } from 'node:assert';
import { createLlmClient, type ChatMessage, type RetryNotice, type ToolSpec } from '../../../src/llm/index';
import { OPENAI_KEY, rejectsWith, scripted, useMockServer, user } from './helpers';

const MODEL = 'openai/gpt-4.1';
const TOOLS: ToolSpec[] = [
  { name: 'read_file', description: 'Read a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } },
  { name: 'build', description: 'Build the kernel', inputSchema: { type: 'object', properties: { arch: { type: 'string' } } } },
];

describe('llm/openai through the openai SDK against the mock server', () => {
  const h = useMockServer();

  it('sends the system prompt as a system message and reads a text reply', async () => {
    const client = await scripted(h, MODEL, [{ text: 'Hello there' }]);
    const reply = await client.chat({ system: 'You are terse.', messages: [user('hi')], maxTokens: 256 });

    assert.deepEqual(reply.content, [{ type: 'text', text: 'Hello there' }]);
    assert.equal(reply.stopReason, 'end_turn');
    assert.deepEqual(reply.usage, { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 });
    assert.equal(reply.model, 'gpt-4.1');

    const [req] = h.server.requests;
    assert.ok(req);
    assert.equal(req.api, 'openai');
    assert.equal(req.path, '/v1/chat/completions');
    assert.equal(req.system, 'You are terse.');
    assert.deepEqual(req.messages, [user('hi')]);
    assert.equal(req.headers.authorization, `Bearer ${OPENAI_KEY}`);
    const raw = req.raw as Record<string, unknown>;
    assert.equal(raw.max_completion_tokens, 256, 'OpenAI models take max_completion_tokens');
    assert.equal(raw.max_tokens, undefined);
  });

  it('streams text deltas, asks for usage in the stream and reads it', async () => {
    const client = await scripted(h, MODEL, [{ text: 'Three architectures, one HAL.', usage: { input: 20, output: 7 } }]);
    const deltas: string[] = [];
    const reply = await client.chat({ system: 's', messages: [user('go')], stream: true, onText: (d) => deltas.push(d) });

    assert.ok(deltas.length > 1);
    assert.equal(deltas.join(''), 'Three architectures, one HAL.');
    assert.deepEqual(reply.content, [{ type: 'text', text: 'Three architectures, one HAL.' }]);
    assert.deepEqual((h.server.requests[0]?.raw as { stream_options?: unknown }).stream_options, { include_usage: true });
    assert.deepEqual(reply.usage, { inputTokens: 20, outputTokens: 7, cacheReadTokens: 0, cacheWriteTokens: 0 });
  });

  for (const stream of [false, true]) {
    it(`assembles tool calls into tool_use blocks (${stream ? 'streaming, by index' : 'JSON'})`, async () => {
      const client = await scripted(h, MODEL, [
        {
          text: 'Reading, then building.',
          toolCalls: [
            { name: 'read_file', input: { path: 'kernels/mm/pmm.c' } },
            { name: 'build', input: { arch: 'riscv64', flags: ['-O2'] } },
          ],
        },
      ]);
      const reply = await client.chat({ system: 's', messages: [user('x')], tools: TOOLS, stream });

      assert.equal(reply.stopReason, 'tool_use');
      assert.deepEqual(reply.content, [
        { type: 'text', text: 'Reading, then building.' },
        { type: 'tool_use', id: 'call_mock_0_0', name: 'read_file', input: { path: 'kernels/mm/pmm.c' } },
        { type: 'tool_use', id: 'call_mock_0_1', name: 'build', input: { arch: 'riscv64', flags: ['-O2'] } },
      ]);
      assert.deepEqual(h.server.requests[0]?.tools, ['read_file', 'build']);
    });
  }

  it('maps tool_use to assistant tool_calls and tool_result to tool messages', async () => {
    const conversation: ChatMessage[] = [
      user('build it'),
      { role: 'assistant', content: [{ type: 'text', text: 'Building.' }, { type: 'tool_use', id: 'call_1', name: 'build', input: { arch: 'x86_64' } }] },
      { role: 'user', content: [{ type: 'tool_result', toolUseId: 'call_1', content: 'ok: kernel.bin' }, { type: 'text', text: 'now boot it' }] },
    ];
    const client = await scripted(h, MODEL, [{ text: 'Booting.' }]);
    await client.chat({ system: 's', messages: conversation, tools: TOOLS });

    assert.deepEqual(h.server.requests[0]?.messages, conversation);
    const wire = (h.server.requests[0]?.raw as { messages: { role: string }[] }).messages.map((m) => m.role);
    assert.deepEqual(wire, ['system', 'user', 'assistant', 'tool', 'user']);
  });

  it('tells the model a tool result was an error', async () => {
    const client = await scripted(h, MODEL, [{ text: 'ok' }]);
    await client.chat({
      system: 's',
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'c', name: 'build', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', toolUseId: 'c', content: 'undefined symbol kmain', isError: true }] },
      ],
    });
    assert.deepEqual(h.server.requests[0]?.messages[1]?.content, [{ type: 'tool_result', toolUseId: 'c', content: 'ERROR: undefined symbol kmain' }]);
  });

  for (const stream of [false, true]) {
    it(`splits cached tokens out of prompt_tokens and prices them (${stream ? 'streaming' : 'JSON'})`, async () => {
      const client = await scripted(h, MODEL, [{ text: 'ok', usage: { input: 100, output: 50, cacheRead: 400 } }]);
      const reply = await client.chat({ system: 's', messages: [user('x')], stream });

      assert.deepEqual(reply.usage, { inputTokens: 100, outputTokens: 50, cacheReadTokens: 400, cacheWriteTokens: 0 });
      // GPT-4.1: $2 in, $8 out, $0.50 cached per million tokens.
      const expected = (100 * 2 + 50 * 8 + 400 * 0.5) / 1e6;
      assert.ok(Math.abs(reply.costUsd - expected) < 1e-12, `${reply.costUsd} vs ${expected}`);
    });
  }

  it('does not retry a 401 and keeps the key the provider echoed out of the message', async () => {
    const client = await scripted(h, MODEL, [
      { status: 401, body: { error: { message: `Incorrect API key provided: ${OPENAI_KEY}.`, type: 'invalid_request_error', code: 'invalid_api_key' } } },
    ]);
    const error = await rejectsWith(client.chat({ system: 's', messages: [user('x')] }), 'auth');

    assert.equal(h.server.requests.length, 1);
    assert.match(error.message, /Incorrect API key provided/);
    assert.match(error.message, /OPENAI_API_KEY/);
    assert.ok(!error.message.includes('TESTKEY'), error.message);
  });

  it('does not retry a 400 or a 404, and names the model on a 404', async () => {
    const client = await scripted(h, MODEL, [{ status: 400 }, { status: 404, body: { error: { message: 'The model does not exist' } } }]);
    await rejectsWith(client.chat({ system: 's', messages: [user('x')] }), 'bad-request');
    const notFound = await rejectsWith(client.chat({ system: 's', messages: [user('x')] }), 'bad-request');

    assert.equal(h.server.requests.length, 2);
    assert.match(notFound.message, /"gpt-4\.1"/);
  });

  it('honours retry-after-ms on a 429 and retry-after on a 503', async () => {
    const client = await scripted(h, MODEL, [
      { status: 429, headers: { 'retry-after-ms': '1500' } },
      { status: 503, headers: { 'retry-after': '2' } },
      { text: 'ok' },
    ]);
    const reply = await client.chat({ system: 's', messages: [user('x')] });

    assert.deepEqual(h.sleeps, [1500, 2000]);
    assert.equal(reply.attempts, 3);
  });

  it('retries a 500, then succeeds', async () => {
    const client = await scripted(h, MODEL, [{ status: 500 }, { text: 'ok' }]);
    const reply = await client.chat({ system: 's', messages: [user('x')], stream: true });

    assert.equal(reply.attempts, 2);
    assert.equal(h.server.requests.length, 2);
    assert.deepEqual(h.sleeps, [750]);
  });

  it('retries the whole request when the stream dies midway', async () => {
    const client = await scripted(h, MODEL, [
      { cutStreamAfterChunks: 3, toolCalls: [{ name: 'read_file', input: { path: 'a.c' } }] },
      { toolCalls: [{ name: 'read_file', input: { path: 'a.c' } }] },
    ]);
    const notices: RetryNotice[] = [];
    const reply = await client.chat({ system: 's', messages: [user('x')], tools: TOOLS, stream: true, onRetry: (n) => notices.push(n) });

    assert.deepEqual(reply.content, [{ type: 'tool_use', id: 'call_mock_1_0', name: 'read_file', input: { path: 'a.c' } }]);
    assert.equal(notices.length, 1);
    assert.equal(notices[0]?.error.kind, 'network');
    assert.match(notices[0]?.error.message ?? '', /broke off|terminated|socket/i);
  });

  it('reports a body that is not JSON as an invalid response at once', async () => {
    const client = await scripted(h, MODEL, [{ rawBody: '{"choices": [{' }]);
    await rejectsWith(client.chat({ system: 's', messages: [user('x')] }), 'invalid-response');
    assert.equal(h.server.requests.length, 1);
  });

  for (const stream of [false, true]) {
    it(`hands tool arguments that are not JSON over as __invalid_json (${stream ? 'streaming' : 'JSON'})`, async () => {
      const client = await scripted(h, MODEL, [{ rawToolArguments: "{path: 'a.c'}", name: 'read_file' }]);
      const reply = await client.chat({ system: 's', messages: [user('x')], tools: TOOLS, stream });

      assert.deepEqual(reply.content, [{ type: 'tool_use', id: 'call_mock_0_0', name: 'read_file', input: { __invalid_json: "{path: 'a.c'}" } }]);
    });
  }

  it('times out every attempt and says so', async () => {
    const client = await scripted(h, MODEL, [{ delayMs: 5_000, then: { text: 'late' } }, { delayMs: 5_000, then: { text: 'late' } }], {
      retry: { maxAttempts: 2 },
    });
    const error = await rejectsWith(client.chat({ system: 's', messages: [user('x')], timeoutMs: 100 }), 'timeout');
    assert.equal(error.options.attempts, 2);
    assert.equal(h.sleeps.length, 1);
  });

  it('is cancelled by its AbortSignal', async () => {
    const controller = new AbortController();
    h.server.setScript(() => {
      controller.abort();
      return { delayMs: 5_000, then: { text: 'never' } };
    });
    const client = await createLlmClient(MODEL, { env: { OPENAI_API_KEY: OPENAI_KEY }, baseUrls: { openai: h.server.openaiUrl } });
    await rejectsWith(client.chat({ system: 's', messages: [user('x')], signal: controller.signal }), 'cancelled');
  });
});

describe('llm/openai for the OpenAI-compatible providers', () => {
  const h = useMockServer();

  it('ollama: needs no key, sends max_tokens, costs nothing', async () => {
    h.server.setScript([{ text: 'local answer' }]);
    const client = await createLlmClient('ollama/qwen2.5-coder:7b', { env: {}, baseUrls: { ollama: h.server.openaiUrl } });
    const reply = await client.chat({ system: 's', messages: [user('x')], maxTokens: 100, stream: true });

    assert.deepEqual(reply.content, [{ type: 'text', text: 'local answer' }]);
    assert.equal(reply.costUsd, 0);
    assert.equal(reply.priced, true);
    const req = h.server.requests[0];
    assert.equal(req?.model, 'qwen2.5-coder:7b');
    assert.equal((req?.raw as { max_tokens?: number }).max_tokens, 100);
  });

  it('openrouter: key from OPENROUTER_API_KEY, attribution headers, priced as the maker model', async () => {
    h.server.setScript([{ text: 'ok', usage: { input: 100_000, output: 10_000 } }]);
    const client = await createLlmClient('openrouter/anthropic/claude-sonnet-4.5', {
      env: { OPENROUTER_API_KEY: 'sk-or-v1-0123456789abcdef0123456789abcdef' },
      baseUrls: { openrouter: h.server.openaiUrl },
    });
    const reply = await client.chat({ system: 's', messages: [user('x')] });

    const req = h.server.requests[0];
    assert.equal(req?.model, 'anthropic/claude-sonnet-4.5');
    assert.equal(req?.headers.authorization, 'Bearer sk-or-v1-0123456789abcdef0123456789abcdef');
    assert.equal(req?.headers['x-title'], 'AUTON');
    // Sonnet 4.5: $3 in, $15 out per million tokens.
    assert.ok(Math.abs(reply.costUsd - 0.45) < 1e-12, String(reply.costUsd));
  });

  it('azure: deployment path, api-version and api-key header', async () => {
    h.server.setScript([{ text: 'from azure' }]);
    const client = await createLlmClient('azure/my-gpt-deployment', {
      env: { AZURE_OPENAI_API_KEY: 'azure-key-0123456789abcdef', AZURE_OPENAI_ENDPOINT: h.server.url, AZURE_OPENAI_API_VERSION: '2024-10-21' },
    });
    const reply = await client.chat({ system: 's', messages: [user('x')], stream: true });

    assert.deepEqual(reply.content, [{ type: 'text', text: 'from azure' }]);
    const req = h.server.requests[0];
    assert.equal(req?.path, '/openai/deployments/my-gpt-deployment/chat/completions?api-version=2024-10-21');
    assert.equal(req?.headers['api-key'], 'azure-key-0123456789abcdef');
  });

  it('gemini: key from GEMINI_API_KEY against its OpenAI-compatible endpoint', async () => {
    h.server.setScript([{ toolCalls: [{ name: 'build', input: { arch: 'aarch64' } }] }]);
    const client = await createLlmClient('gemini/gemini-2.5-pro', {
      env: { GEMINI_API_KEY: 'AIzaSyTEST0123456789abcdefghijklmnopqrs' },
      baseUrls: { gemini: h.server.openaiUrl },
    });
    const reply = await client.chat({ system: 's', messages: [user('x')], tools: TOOLS });

    assert.equal(reply.stopReason, 'tool_use');
    assert.equal(h.server.requests[0]?.model, 'gemini-2.5-pro');
    assert.equal(reply.priced, true);
  });
});
