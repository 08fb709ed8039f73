import { strict as assert } from 'node:assert';
import { createLlmClient, type ChatMessage } from '../../../src/llm/index';
import { MockLlmServer, type MockRequest } from '../../support/mockLlmServer';
import { clientOptions, rejectsWith, useMockServer, user } from './helpers';

describe('test/support MockLlmServer', () => {
  const h = useMockServer();

  it('answers 500 saying the script ran out, once its replies are used up', async () => {
    const client = await createLlmClient('openai/gpt-4.1', clientOptions(h, { retry: { maxAttempts: 1 } }));
    h.server.setScript([{ text: 'only one' }]);
    await client.chat({ system: 's', messages: [user('x')] });
    const error = await rejectsWith(client.chat({ system: 's', messages: [user('x')] }), 'server');
    assert.match(error.message, /the script ran out of replies \(it had 1; this is request #2\)/);
  });

  it('lets a script read the last tool result the same way on both APIs', async () => {
    const conversation: ChatMessage[] = [
      user('read it'),
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'read_file', input: { path: 'a.c' } }] },
      { role: 'user', content: [{ type: 'tool_result', toolUseId: 't1', content: 'int main;' }] },
    ];
    const seen: string[] = [];
    h.server.setScript(async (req: MockRequest) => {
      await Promise.resolve();
      const last = req.messages.at(-1)?.content.at(-1);
      seen.push(`${req.api}:${last?.type === 'tool_result' ? last.content : '?'}`);
      return { text: `request ${req.index}` };
    });
    for (const model of ['anthropic/claude-haiku-4-5', 'openai/gpt-4.1']) {
      const client = await createLlmClient(model, clientOptions(h));
      await client.chat({ system: 's', messages: conversation, stream: true });
    }
    assert.deepEqual(seen, ['anthropic:int main;', 'openai:int main;']);
  });

  it('answers 404 for paths it does not speak, and 400 for a body that is not JSON', async () => {
    const missing = await fetch(`${h.server.url}/v1/embeddings`, { method: 'POST', body: '{}' });
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /nothing at POST \/v1\/embeddings/);
    const garbled = await fetch(`${h.server.url}/v1/messages`, { method: 'POST', body: 'not json' });
    assert.equal(garbled.status, 400);
  });

  it('closes promptly with a reply still waiting, and the client sees the connection drop', async () => {
    const server = await MockLlmServer.start([{ delayMs: 60_000, then: { text: 'never' } }]);
    const client = await createLlmClient('anthropic/claude-haiku-4-5', {
      env: { ANTHROPIC_API_KEY: 'sk-ant-api03-0123456789abcdefghij' },
      baseUrls: { anthropic: server.url },
      retry: { maxAttempts: 1 },
    });
    const pending = client.chat({ system: 's', messages: [user('x')] });
    while (server.requests.length === 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    await server.close();
    await rejectsWith(pending, 'network');
  });
});
