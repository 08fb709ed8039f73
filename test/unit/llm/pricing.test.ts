import { strict as assert } from 'node:assert';
import { costOf, lookupPrice, parsePriceOverrides } from '../../../src/llm/index';

const usage = (inputTokens: number, outputTokens: number, cacheReadTokens = 0, cacheWriteTokens = 0) => ({
  inputTokens,
  outputTokens,
  cacheReadTokens,
  cacheWriteTokens,
});

describe('llm/pricing', () => {
  it('matches the longest prefix on a name boundary, dated snapshots included', () => {
    const keys = [
      'anthropic/claude-sonnet-4-5',
      'anthropic/claude-sonnet-4-5-20250929',
      'anthropic/claude-opus-4-20250514',
      'anthropic/claude-opus-4-1',
      'anthropic/claude-haiku-4-5-20251001',
      'openai/gpt-4o-mini-2024-07-18',
      'openai/gpt-4.1-nano',
      'openai/gpt-5.1-codex',
      'openai/gpt-5-chat-latest',
      'gemini/gemini-2.5-flash-lite',
      'gemini/gemini-2.5-pro-preview-05-06',
    ].map((id) => [id, lookupPrice(id).key]);
    assert.deepEqual(keys, [
      ['anthropic/claude-sonnet-4-5', 'anthropic/claude-sonnet-4-5'],
      ['anthropic/claude-sonnet-4-5-20250929', 'anthropic/claude-sonnet-4-5'],
      ['anthropic/claude-opus-4-20250514', 'anthropic/claude-opus-4'],
      ['anthropic/claude-opus-4-1', 'anthropic/claude-opus-4-1'],
      ['anthropic/claude-haiku-4-5-20251001', 'anthropic/claude-haiku-4-5'],
      ['openai/gpt-4o-mini-2024-07-18', 'openai/gpt-4o-mini'],
      ['openai/gpt-4.1-nano', 'openai/gpt-4.1-nano'],
      ['openai/gpt-5.1-codex', 'openai/gpt-5.1'],
      ['openai/gpt-5-chat-latest', 'openai/gpt-5'],
      ['gemini/gemini-2.5-flash-lite', 'gemini/gemini-2.5-flash-lite'],
      ['gemini/gemini-2.5-pro-preview-05-06', 'gemini/gemini-2.5-pro'],
    ]);
  });

  it('prices OpenRouter and Azure models as the models they serve', () => {
    assert.equal(lookupPrice('openrouter/anthropic/claude-opus-4.5').key, 'anthropic/claude-opus-4-5');
    assert.equal(lookupPrice('openrouter/openai/gpt-4.1').key, 'openai/gpt-4.1');
    assert.equal(lookupPrice('openrouter/google/gemini-2.5-flash').key, 'gemini/gemini-2.5-flash');
    assert.equal(lookupPrice('azure/gpt-4o').key, 'openai/gpt-4o');
  });

  it('makes local models free and leaves unknown models unpriced at 0', () => {
    assert.deepEqual(lookupPrice('ollama/llama3.1:8b'), { price: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, priced: true, key: 'ollama/*' });
    const unknown = lookupPrice('openai/gpt-9-turbo');
    assert.equal(unknown.priced, false);
    assert.equal(costOf(usage(1e6, 1e6), unknown.price), 0);
    assert.equal(lookupPrice('azure/my-deployment').priced, false);
    assert.equal(lookupPrice('not a model').priced, false);
  });

  it('computes dollars from each kind of token', () => {
    const { price } = lookupPrice('anthropic/claude-opus-4-6');
    // $5 in, $25 out, $0.50 cache read, $6.25 cache write per million.
    assert.equal(costOf(usage(1e6, 1e6, 1e6, 1e6), price), 5 + 25 + 0.5 + 6.25);
    assert.equal(costOf(usage(2000, 1000), price), 0.01 + 0.025);
  });

  it('bills a long prompt at the long-prompt rates', () => {
    const { price } = lookupPrice('anthropic/claude-sonnet-4-5');
    assert.equal(costOf(usage(200_000, 0), price), 0.6);
    // 150k plain + 60k cached = 210k prompt tokens: over 200k, so $6 and $0.60.
    assert.ok(Math.abs(costOf(usage(150_000, 0, 60_000), price) - (0.9 + 0.036)) < 1e-12);
  });

  it('merges user overrides over the table and adds new entries', () => {
    const overrides = { 'openai/gpt-4.1': { input: 1 }, 'openai/gpt-9-turbo': { input: 4, output: 8 }, 'ollama/big': { input: 0.01, output: 0.02 } };
    assert.deepEqual(lookupPrice('openai/gpt-4.1', overrides).price, { input: 1, output: 8, cacheRead: 0.5, cacheWrite: 0 });
    const added = lookupPrice('openai/gpt-9-turbo-2027-01-01', overrides);
    assert.equal(added.priced, true);
    // Cache prices not given: cached tokens are billed like plain input.
    assert.deepEqual(added.price, { input: 4, output: 8, cacheRead: 4, cacheWrite: 4 });
    assert.equal(lookupPrice('ollama/big:70b', overrides).key, 'ollama/big');
  });

  it('checks a user price table and says what is wrong', () => {
    const { prices, problems } = parsePriceOverrides({
      'openai/gpt-5': { input: 1.25, output: 10 },
      'gpt-5': { input: 1 },
      'anthropic/claude-x': { input: -1, price: 3 },
      'gemini/g': 'cheap',
    });
    assert.deepEqual(prices, { 'openai/gpt-5': { input: 1.25, output: 10 } });
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems.join('\n'), /anthropic\/claude-x\.input: must be a number >= 0/);
    assert.match(problems.join('\n'), /unknown field "price"/);
    assert.deepEqual(parsePriceOverrides([]).problems.length, 1);
  });
});
