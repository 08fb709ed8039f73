import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  envLayer,
  envVarFor,
  flattenSettings,
  formatProblem,
  resolveConfig,
  SETTINGS,
  type ConfigResult,
} from '../../src/core/config';
import { loadProjectConfig } from '../../src/core/configFile';
import { ROLE_IDS } from '../../src/core/roles';
import { parseModelRef } from '../../src/llm/providers';

const given = (values: Record<string, unknown>, source = 'test'): ConfigResult => resolveConfig([{ source, values }]);
const messages = (result: ConfigResult): string[] => result.problems.map(formatProblem);

describe('core config', () => {
  it('resolves to valid defaults with no values given', () => {
    const { config, problems, settings } = resolveConfig([]);
    assert.deepEqual(problems, []);
    assert.deepEqual(config.models.default, { provider: 'anthropic', model: 'claude-sonnet-4-6' });
    for (const role of ROLE_IDS) {
      assert.deepEqual(config.models.roles[role], config.models.default, role);
    }
    assert.deepEqual(config.budget, { maxUsd: 10, maxTokens: 2_000_000, maxMinutes: 120, maxIterations: 200 });
    assert.equal(config.kernel.arch, 'x86_64');
    assert.equal(config.reviewMode, 'automatic');
    assert.equal(config.maxParallelDevelopers, 4);
    assert.equal(settings.length, SETTINGS.length);
    assert.ok(settings.every((s) => s.source === 'default'));
  });

  it('gives a role its own model and lets the others inherit the default', () => {
    const { config, problems } = given({ 'models.default': 'ollama/qwen2.5-coder:7b', 'models.developer': 'openai/gpt-4.1' });
    assert.deepEqual(problems, []);
    assert.deepEqual(config.models.roles.developer, { provider: 'openai', model: 'gpt-4.1' });
    assert.deepEqual(config.models.roles.reviewer, { provider: 'ollama', model: 'qwen2.5-coder:7b' });
  });

  it('keeps slashes inside the model name (OpenRouter)', () => {
    assert.deepEqual(parseModelRef('openrouter/anthropic/claude-sonnet-4.5'), {
      provider: 'openrouter',
      model: 'anthropic/claude-sonnet-4.5',
    });
  });

  const badModels: [string, RegExp][] = [
    ['gpt-4.1', /not a "provider\/model" string; write e\.g\. "anthropic\//],
    ['openai/', /not a "provider\/model" string/],
    ['mistral/large', /unknown provider "mistral"; use one of: anthropic, openai, ollama, openrouter, azure, gemini, local/],
    ['openai/gpt 4', /contains white space/],
  ];
  for (const [model, expected] of badModels) {
    it(`refuses the model string "${model}" and says what to write`, () => {
      const result = given({ 'models.tester': model }, 'user settings');
      assert.equal(result.problems.length, 1);
      const [message] = messages(result);
      assert.match(message ?? '', /^auton\.models\.tester \(from user settings\): /);
      assert.match(message ?? '', expected);
      assert.deepEqual(result.config.models.roles.tester, result.config.models.default, 'falls back to the default');
    });
  }

  it('refuses a non-string model and an empty default model', () => {
    const result = given({ 'models.default': '', 'models.manager': 42 });
    assert.deepEqual(
      result.problems.map((p) => p.key),
      ['models.default', 'models.manager'],
    );
    assert.match(messages(result)[1] ?? '', /must be a "provider\/model" string, or "" to use models.default, got 42/);
  });

  it('checks budgets: numbers, whole where counted, not negative', () => {
    const result = given({
      'budget.maxUsd': -1,
      'budget.maxTokens': 1.5,
      'budget.maxMinutes': '30',
      'budget.maxIterations': 0,
    });
    assert.deepEqual(
      messages(result),
      [
        'auton.budget.maxUsd (from test): must be a number of US dollars >= 0 (0 means no limit), got -1',
        'auton.budget.maxTokens (from test): must be a whole number of tokens >= 0 (0 means no limit), got 1.5',
        'auton.budget.maxMinutes (from test): must be a number of minutes of wall time >= 0 (0 means no limit), got "30"',
      ],
    );
    assert.equal(result.config.budget.maxUsd, 10, 'a refused value falls back to its default');
    assert.equal(result.config.budget.maxIterations, 0, '0 is accepted as "no limit"');
  });

  it('bounds maxParallelDevelopers to 1..16', () => {
    assert.equal(given({ maxParallelDevelopers: 16 }).config.maxParallelDevelopers, 16);
    for (const bad of [0, 17, 2.5]) {
      assert.match(messages(given({ maxParallelDevelopers: bad }))[0] ?? '', /from 1 to 16/, String(bad));
    }
  });

  it('checks choices for reviewMode and kernel.arch', () => {
    assert.equal(given({ 'kernel.arch': 'all' }).config.kernel.arch, 'all');
    assert.deepEqual(messages(given({ reviewMode: 'manual', 'kernel.arch': 'arm' })), [
      'auton.kernel.arch (from test): must be one of "x86_64", "aarch64", "riscv64", "all", got "arm"',
      'auton.reviewMode (from test): must be one of "automatic", "human", got "manual"',
    ]);
  });

  it('turns clangd on by default, and off with a boolean only', () => {
    assert.equal(given({}).config.clangd.enabled, true);
    assert.equal(given({ 'clangd.enabled': false }).config.clangd.enabled, false);
    assert.deepEqual(messages(given({ 'clangd.enabled': 'no' })), ['auton.clangd.enabled (from test): must be true or false, got "no"']);
    assert.equal(resolveConfig([envLayer({ AUTON_CLANGD_ENABLED: 'false' })]).config.clangd.enabled, false);
  });

  it('names unknown settings and offers the known ones', () => {
    const [typo, prefixed, stray] = messages(
      given({ 'budget.maxDollars': 3, 'auton.reviewMode': 'human', colour: 'blue' }, '.auton/config.json'),
    );
    assert.equal(
      typo,
      'auton.budget.maxDollars (from .auton/config.json): is not an AUTON setting; known settings: budget.maxUsd, budget.maxTokens, budget.maxMinutes, budget.maxIterations',
    );
    assert.match(prefixed ?? '', /written with the "auton\." prefix; write "reviewMode" here/);
    assert.match(stray ?? '', /known groups: models, kernel, budget, reviewMode, maxParallelDevelopers/);
  });

  it('lets later layers win and reports where each value came from', () => {
    const result = resolveConfig([
      { source: 'user settings', values: { 'budget.maxUsd': 3, reviewMode: 'human' } },
      { source: 'workspace settings', values: { 'budget.maxUsd': 7, reviewMode: undefined } },
    ]);
    assert.equal(result.config.budget.maxUsd, 7);
    assert.equal(result.config.reviewMode, 'human');
    const source = (key: string) => result.settings.find((s) => s.key === key)?.source;
    assert.equal(source('budget.maxUsd'), 'workspace settings');
    assert.equal(source('reviewMode'), 'user settings');
    assert.equal(source('kernel.arch'), 'default');
  });

  it('maps settings to AUTON_* environment variables and parses their text', () => {
    assert.equal(envVarFor('budget.maxUsd'), 'AUTON_BUDGET_MAX_USD');
    assert.equal(envVarFor('models.dataScientist'), 'AUTON_MODELS_DATA_SCIENTIST');
    assert.equal(envVarFor('maxParallelDevelopers'), 'AUTON_MAX_PARALLEL_DEVELOPERS');
    const layer = envLayer({ AUTON_BUDGET_MAX_USD: '2.5', AUTON_BUDGET_MAX_TOKENS: 'lots', AUTON_REVIEW_MODE: 'human', HOME: '/x' });
    assert.deepEqual(layer, {
      source: 'env',
      values: { 'budget.maxUsd': 2.5, 'budget.maxTokens': 'lots', reviewMode: 'human' },
    });
    assert.deepEqual(messages(resolveConfig([layer])), [
      'auton.budget.maxTokens (from env): must be a whole number of tokens >= 0 (0 means no limit), got "lots"',
    ]);
  });

  it('flattens nested JSON into setting keys', () => {
    assert.deepEqual(flattenSettings({ models: { default: 'openai/gpt-4.1' }, budget: { maxUsd: 1 }, reviewMode: 'human', x: [1] }), {
      'models.default': 'openai/gpt-4.1',
      'budget.maxUsd': 1,
      reviewMode: 'human',
      x: [1],
    });
  });
});

describe('project config file', () => {
  let root: string;
  const write = (text: string) => {
    mkdirSync(join(root, '.auton'), { recursive: true });
    writeFileSync(join(root, '.auton', 'config.json'), text);
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'auton-config-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('uses defaults and the environment when there is no file', () => {
    const project = loadProjectConfig(root, { AUTON_KERNEL_ARCH: 'riscv64' });
    assert.equal(project.fileFound, false);
    assert.equal(project.file, join(root, '.auton', 'config.json'));
    assert.equal(project.config.kernel.arch, 'riscv64');
    assert.deepEqual(project.problems, []);
  });

  it('reads nested settings and lets the environment override them', () => {
    write(JSON.stringify({ models: { default: 'openai/gpt-4.1' }, budget: { maxUsd: 5, maxMinutes: 30 } }));
    const project = loadProjectConfig(root, { AUTON_BUDGET_MAX_USD: '1' });
    assert.deepEqual(project.problems, []);
    assert.equal(project.fileFound, true);
    assert.equal(project.config.models.roles.architect.provider, 'openai');
    assert.equal(project.config.budget.maxUsd, 1);
    assert.equal(project.config.budget.maxMinutes, 30);
  });

  it('reports a file that is not JSON, or not an object, and keeps going with defaults', () => {
    write('{ "budget": ');
    const broken = loadProjectConfig(root, {});
    assert.equal(broken.problems.length, 1);
    assert.match(formatProblem(broken.problems[0]!), /^\.auton\/config\.json is not valid JSON \(.+\); fix the file or delete it$/);
    assert.equal(broken.config.budget.maxUsd, 10);

    write('[1, 2]');
    assert.match(formatProblem(loadProjectConfig(root, {}).problems[0]!), /must hold a JSON object/);
  });

  it('names a bad value with the file it came from', () => {
    write(JSON.stringify({ models: { training: 'gemini' } }));
    assert.deepEqual(loadProjectConfig(root, {}).problems.map(formatProblem), [
      'auton.models.training (from .auton/config.json): "gemini" is not a "provider/model" string; write e.g. "anthropic/claude-sonnet-4-6" (providers: anthropic, openai, ollama, openrouter, azure, gemini, local)',
    ]);
  });
});
