import { strict as assert } from 'node:assert';
import { resolveConfig } from '../../../src/core/config';
import { createLlmClient, redactSecrets, resolveRoleModel } from '../../../src/llm/index';
import { baseUrlFor } from '../../../src/llm/index';
import { ANTHROPIC_KEY, rejectsWith, useMockServer, user } from './helpers';

describe('llm createLlmClient: keys, base URLs, errors', () => {
  const h = useMockServer();

  const sentKey = (): string => {
    const headers = h.server.requests.at(-1)?.headers ?? {};
    return String(headers.authorization ?? headers['x-api-key'] ?? '');
  };

  it('reads the key from the provider environment variable', async () => {
    h.server.setScript([{ text: 'ok' }]);
    const client = await createLlmClient('anthropic/claude-haiku-4-5', { env: { ANTHROPIC_API_KEY: ANTHROPIC_KEY }, baseUrls: { anthropic: h.server.url } });
    await client.chat({ system: 's', messages: [user('x')] });
    assert.ok(sentKey().includes(ANTHROPIC_KEY));
  });

  it('prefers the secret getter over the environment, and falls back when it has nothing', async () => {
    h.server.setScript([{ text: 'ok' }, { text: 'ok' }]);
    const asked: string[] = [];
    const stored = 'sk-ant-api03-FROM-SECRET-STORAGE-0123456789';
    const withSecret = await createLlmClient('anthropic/claude-haiku-4-5', {
      env: { ANTHROPIC_API_KEY: ANTHROPIC_KEY },
      getSecret: (provider) => {
        asked.push(provider);
        return Promise.resolve(stored);
      },
      baseUrls: { anthropic: h.server.url },
    });
    await withSecret.chat({ system: 's', messages: [user('x')] });
    assert.deepEqual(asked, ['anthropic']);
    assert.ok(sentKey().includes(stored));

    const blank = await createLlmClient('anthropic/claude-haiku-4-5', {
      env: { ANTHROPIC_API_KEY: ANTHROPIC_KEY },
      getSecret: () => Promise.resolve('  '),
      baseUrls: { anthropic: h.server.url },
    });
    await blank.chat({ system: 's', messages: [user('x')] });
    assert.ok(sentKey().includes(ANTHROPIC_KEY));
  });

  it('takes the base URL from ANTHROPIC_BASE_URL / OPENAI_BASE_URL', async () => {
    h.server.setScript([{ text: 'a' }, { text: 'o' }]);
    const anthropic = await createLlmClient('anthropic/claude-haiku-4-5', { env: { ANTHROPIC_API_KEY: ANTHROPIC_KEY, ANTHROPIC_BASE_URL: h.server.url } });
    const openai = await createLlmClient('openai/gpt-4.1-mini', { env: { OPENAI_API_KEY: 'sk-test-0123456789abcdef0123', OPENAI_BASE_URL: h.server.openaiUrl } });
    assert.deepEqual((await anthropic.chat({ system: 's', messages: [user('x')] })).content, [{ type: 'text', text: 'a' }]);
    assert.deepEqual((await openai.chat({ system: 's', messages: [user('x')] })).content, [{ type: 'text', text: 'o' }]);
    assert.deepEqual(
      h.server.requests.map((r) => r.api),
      ['anthropic', 'openai'],
    );
  });

  it('says which variable to set when there is no key', async () => {
    const error = await rejectsWith(createLlmClient('anthropic/claude-haiku-4-5', { env: {} }), 'auth');
    assert.equal(error.message, 'no API key for anthropic: set ANTHROPIC_API_KEY or run "AUTON: Set API Key"');
    const gemini = await rejectsWith(createLlmClient('gemini/gemini-2.5-pro', { env: { GEMINI_API_KEY: '' }, getSecret: () => Promise.resolve(undefined) }), 'auth');
    assert.match(gemini.message, /set GEMINI_API_KEY/);
  });

  it('explains that local/ is not there yet, and refuses a malformed model string', async () => {
    const local = await rejectsWith(createLlmClient('local/auton-slm-q8_0.gguf', { env: {} }), 'bad-request');
    assert.equal(local.message, 'the local GGUF provider arrives with the SLM pipeline; use ollama/<model> for a local model now');
    const bad = await rejectsWith(createLlmClient('claude-sonnet-4-6', { env: {} }), 'bad-request');
    assert.match(bad.message, /is not a "provider\/model" string/);
  });

  it('asks for the Azure endpoint when none is set', async () => {
    const error = await rejectsWith(createLlmClient('azure/dep', { env: { AZURE_OPENAI_API_KEY: 'k-0123456789' } }), 'bad-request');
    assert.match(error.message, /set AZURE_OPENAI_ENDPOINT/);
  });
});

describe('llm baseUrlFor', () => {
  it('uses each provider public endpoint by default', () => {
    assert.equal(baseUrlFor('anthropic', {}), 'https://api.anthropic.com');
    assert.equal(baseUrlFor('openai', {}), 'https://api.openai.com/v1');
    assert.equal(baseUrlFor('ollama', {}), 'http://127.0.0.1:11434/v1');
    assert.equal(baseUrlFor('openrouter', {}), 'https://openrouter.ai/api/v1');
    assert.equal(baseUrlFor('gemini', {}), 'https://generativelanguage.googleapis.com/v1beta/openai/');
  });

  it('reads OLLAMA_HOST the way Ollama does', () => {
    assert.equal(baseUrlFor('ollama', { OLLAMA_HOST: '127.0.0.1' }), 'http://127.0.0.1:11434/v1');
    assert.equal(baseUrlFor('ollama', { OLLAMA_HOST: '0.0.0.0:8080' }), 'http://0.0.0.0:8080/v1');
    assert.equal(baseUrlFor('ollama', { OLLAMA_HOST: 'https://ollama.example.com/' }), 'https://ollama.example.com/v1');
  });

  it('lets an explicit base URL win and refuses one that is not a URL', () => {
    assert.equal(baseUrlFor('openai', { OPENAI_BASE_URL: 'http://env' }, { openai: 'http://given/v1' }), 'http://given/v1');
    assert.throws(() => baseUrlFor('anthropic', { ANTHROPIC_BASE_URL: 'api.anthropic.com' }), /ANTHROPIC_BASE_URL for anthropic is not a URL/);
  });
});

describe('llm resolveRoleModel', () => {
  it('gives a role its own model, else the default', () => {
    const { config } = resolveConfig([{ source: 'test', values: { 'models.default': 'openai/gpt-4.1', 'models.reviewer': 'anthropic/claude-opus-4-6' } }]);
    assert.equal(resolveRoleModel(config, 'reviewer'), 'anthropic/claude-opus-4-6');
    assert.equal(resolveRoleModel(config, 'developer'), 'openai/gpt-4.1');
    assert.equal(resolveRoleModel({ models: { default: { provider: 'ollama', model: 'qwen' }, roles: {} } }, 'tester'), 'ollama/qwen');
  });
});

describe('llm redactSecrets', () => {
  it('hides key-shaped text and credentials in headers and URLs', () => {
    const text = [
      'key sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAA',
      'proj sk-proj-BBBBBBBBBBBBBBBBBBBBBBBBBBBB',
      'router sk-or-v1-0123456789abcdef0123456789abcdef',
      'google AIzaSyCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC',
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig',
      'x-api-key: 0123456789abcdef0123456789abcdef',
      'GET /v1beta/models?key=DDDDDDDDDDDDDDDD&alt=sse',
    ].join('\n');
    const out = redactSecrets(text);
    for (const secret of ['AAAAAAAA', 'BBBBBBBB', '0123456789abcdef0123456789abcdef', 'CCCCCCCC', 'eyJhbGci', 'DDDDDDDD']) {
      assert.ok(!out.includes(secret), `${secret} left in:\n${out}`);
    }
    assert.match(out, /Authorization: Bearer \[redacted\]/);
    assert.match(out, /x-api-key: \[redacted\]/);
    assert.match(out, /\?key=\[redacted\]&alt=sse/);
  });

  it('hides a key the LLM layer looked up even when it has no known shape', async () => {
    const odd = 'azure0f1e2d3c4b5a69788796a5b4c3d2e1f0';
    const error = await rejectsWith(createLlmClient('azure/dep', { env: { AZURE_OPENAI_API_KEY: odd } }), 'bad-request');
    assert.ok(!error.message.includes(odd));
    assert.equal(redactSecrets(`the key was ${odd}.`), 'the key was [redacted].');
  });

  it('leaves ordinary text alone', () => {
    const text = 'commit 3f2c1a9b8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b: fix sk- prefix check in kalloc (risk-free)';
    assert.equal(redactSecrets(text), text);
  });
});
