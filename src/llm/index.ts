/**
 * The LLM layer's front door: `createLlmClient("provider/model", …)` finds the key and the
 * base URL the way each provider's SDK documents them, and returns a client with retries,
 * timeouts and cost accounting. The SDKs are loaded on first use, not when this module is.
 */
import type { ProviderClientOptions } from './client';
import type { PriceLookup, PriceOverrides } from './pricing';
import { formatModelRef, parseModelRef, providerInfo, type ModelRef, type ProviderId } from './providers';
import { registerSecret } from './redact';
import type { Sleep } from './retry';
import { LlmError, type LlmClient } from './types';

export * from './types';
export { UsageLedger, emptyTotals, totalTokens, type CallOwner, type UsageSnapshot, type UsageTotals } from './accounting';
export { DEFAULT_PRICES, costOf, lookupPrice, parsePriceOverrides, type ModelPrice, type PriceLookup, type PriceOverrides } from './pricing';
export { redactSecrets } from './redact';
export { classifyError, parseRetryAfter, withRetries, type AttemptContext, type RetryOptions, type Sleep } from './retry';

export interface CreateLlmClientOptions {
  /** Where keys and base URLs are read from; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Asked first for a provider's key (VS Code's secret storage in the extension). */
  getSecret?: (provider: ProviderId) => Promise<string | undefined>;
  /** Base URLs that win over the environment (azure: the resource endpoint). */
  baseUrls?: Partial<Record<ProviderId, string>>;
  /** `auton.prices`: entries merged over the built-in price table. */
  prices?: PriceOverrides;
  /** Per-attempt timeout unless a request sets one. Default 10 minutes. */
  timeoutMs?: number;
  /** Waits between attempts (tests inject one that records instead of waiting). */
  sleep?: Sleep;
  fetch?: typeof fetch;
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number; maxRetryAfterMs?: number; random?: () => number };
  /** Reply length limit unless a request sets one (Anthropic needs one; default 8192). */
  maxTokens?: number;
}

/** An LlmClient that also tells what its model costs (`price.priced` false: unknown). */
export interface ModelClient extends LlmClient {
  readonly price: PriceLookup;
}

/** The client for `provider/model`, or an LlmError saying what is missing (key, endpoint). */
export async function createLlmClient(modelString: string, opts: CreateLlmClientOptions = {}): Promise<ModelClient> {
  const ref = parseModelRef(modelString);
  if ('error' in ref) {
    throw new LlmError(ref.error, 'bad-request', { retryable: false });
  }
  const { provider, model } = ref;
  if (provider === 'local') {
    throw new LlmError(
      'the local GGUF provider arrives with the SLM pipeline; use ollama/<model> for a local model now',
      'bad-request',
      { provider, retryable: false },
    );
  }
  const env = opts.env ?? process.env;
  const info = providerInfo(provider);
  const apiKey = await findKey(provider, env, opts.getSecret);
  const options: ProviderClientOptions = {
    provider,
    model,
    apiKey,
    baseURL: baseUrlFor(provider, env, opts.baseUrls),
    keyEnv: info.apiKeyEnv,
    fetch: opts.fetch,
    prices: opts.prices,
    timeoutMs: opts.timeoutMs,
    maxTokens: opts.maxTokens,
    retry: { ...opts.retry, sleep: opts.sleep },
    apiVersion: provider === 'azure' ? nonEmpty(env.AZURE_OPENAI_API_VERSION) : undefined,
  };
  if (provider === 'anthropic') {
    const { AnthropicClient } = await import('./anthropic');
    return new AnthropicClient(options);
  }
  const { OpenAiCompatibleClient } = await import('./openai');
  return new OpenAiCompatibleClient(options);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** The key: the secret getter first, then the provider's environment variable. */
async function findKey(
  provider: ProviderId,
  env: Readonly<Record<string, string | undefined>>,
  getSecret: CreateLlmClientOptions['getSecret'],
): Promise<string | undefined> {
  const keyEnv = providerInfo(provider).apiKeyEnv;
  if (keyEnv === undefined) {
    return undefined;
  }
  const key = nonEmpty(await getSecret?.(provider)) ?? nonEmpty(env[keyEnv]);
  if (key === undefined) {
    throw new LlmError(`no API key for ${provider}: set ${keyEnv} or run "AUTON: Set API Key"`, 'auth', {
      provider,
      retryable: false,
    });
  }
  registerSecret(key);
  return key;
}

/** Explicit base URL, else the provider's environment variable, else its public endpoint. */
export function baseUrlFor(
  provider: ProviderId,
  env: Readonly<Record<string, string | undefined>>,
  baseUrls: Partial<Record<ProviderId, string>> = {},
): string {
  const info = providerInfo(provider);
  const given = nonEmpty(baseUrls[provider]);
  const fromEnv = info.baseUrlEnv === undefined ? undefined : nonEmpty(env[info.baseUrlEnv]);
  const url = given ?? (provider === 'ollama' && fromEnv !== undefined ? ollamaUrl(fromEnv) : fromEnv) ?? info.defaultBaseUrl;
  if (url === undefined) {
    throw new LlmError(
      `${provider} needs its endpoint: set ${info.baseUrlEnv ?? 'the base URL'} (e.g. https://NAME.openai.azure.com)`,
      'bad-request',
      { provider, retryable: false },
    );
  }
  if (!URL.canParse(url)) {
    const source = given !== undefined ? 'the configured base URL' : (info.baseUrlEnv ?? 'the base URL');
    throw new LlmError(`${source} for ${provider} is not a URL: "${url}"`, 'bad-request', { provider, retryable: false });
  }
  return url;
}

/**
 * OLLAMA_HOST as Ollama reads it: `127.0.0.1`, `0.0.0.0:11434` or `https://box`; without a
 * scheme it is plain http on port 11434. The OpenAI-compatible API is under /v1.
 */
function ollamaUrl(host: string): string {
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(host);
  const url = new URL(hasScheme ? host : `http://${host}`);
  if (!hasScheme && url.port === '') {
    url.port = '11434';
  }
  const base = url.toString().replace(/\/+$/, '');
  return base.endsWith('/v1') ? base : `${base}/v1`;
}

/** The parts of AutonConfig this needs (src/core/config.ts resolves role models over the default). */
export interface ModelsConfig {
  readonly models: { readonly default: ModelRef; readonly roles: Partial<Readonly<Record<string, ModelRef>>> };
}

/** `provider/model` of a role: its own setting, else the default model. */
export function resolveRoleModel(config: ModelsConfig, role: string): string {
  return formatModelRef(config.models.roles[role] ?? config.models.default);
}
