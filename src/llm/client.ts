/**
 * What every provider's LlmClient shares: one attempt is the provider's business; retries,
 * timeouts, cost and error wording are done here the same way for all of them.
 */
import { costOf, lookupPrice, type PriceLookup, type PriceOverrides } from './pricing';
import type { ProviderId } from './providers';
import { redactSecrets } from './redact';
import { classifyError, withRetries, type ClassifyContext, type RetryOptions } from './retry';
import { LlmError, type ChatRequest, type ChatResponse, type ContentBlock, type LlmClient, type StopReason, type Usage } from './types';

export interface ProviderClientOptions {
  provider: ProviderId;
  /** The model as the provider names it (for azure, the deployment). */
  model: string;
  apiKey?: string;
  /** Where the API lives; for azure, the resource endpoint. */
  baseURL: string;
  /** Environment variable of the key, named in auth errors. */
  keyEnv?: string;
  fetch?: typeof fetch;
  prices?: PriceOverrides;
  /** Per-attempt timeout unless the request sets one. Default 10 minutes. */
  timeoutMs?: number;
  retry?: Pick<RetryOptions, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs' | 'sleep' | 'random'>;
  /** Reply length limit unless the request sets one. Default 8192. */
  maxTokens?: number;
  /** Extra settings of one provider (azure: apiVersion). */
  apiVersion?: string;
}

/** One attempt's outcome, before cost and attempt count are added. */
export interface AttemptReply {
  content: ContentBlock[];
  stopReason: StopReason;
  usage: Usage;
  model: string;
}

export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_MAX_TOKENS = 8192;

export abstract class ProviderClient implements LlmClient {
  readonly id: string;
  readonly price: PriceLookup;

  constructor(protected readonly options: ProviderClientOptions) {
    this.id = `${options.provider}/${options.model}`;
    this.price = lookupPrice(this.id, options.prices);
  }

  async chat(req: ChatRequest): Promise<ChatResponse> {
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let attempts = 0;
    const reply = await withRetries(
      async ({ attempt, signal }) => {
        attempts = attempt;
        try {
          return await this.attempt(req, signal, timeoutMs);
        } catch (thrown) {
          throw classifyError(thrown, this.classifyContext(thrown));
        }
      },
      {
        ...this.options.retry,
        timeoutMs,
        signal: req.signal,
        onRetry: req.onRetry,
        provider: this.options.provider,
      },
    );
    return {
      ...reply,
      costUsd: costOf(reply.usage, this.price.price),
      priced: this.price.priced,
      attempts,
    };
  }

  /** One request to the provider; throws whatever the SDK throws, or an LlmError. */
  protected abstract attempt(req: ChatRequest, signal: AbortSignal, timeoutMs: number): Promise<AttemptReply>;

  /** Recognises the SDK's connection, timeout and abort errors by class. */
  protected abstract sdkKind(error: unknown): ClassifyContext['sdkKind'];

  private classifyContext(error: unknown): ClassifyContext {
    return {
      provider: this.options.provider,
      model: this.options.model,
      baseURL: this.options.baseURL,
      keyEnv: this.options.keyEnv,
      secrets: this.options.apiKey === undefined ? [] : [this.options.apiKey],
      sdkKind: this.sdkKind(error),
    };
  }

  /** An error for a reply the client cannot use, quoting (a redacted start of) what came back. */
  protected invalidResponse(what: string, received?: unknown): LlmError {
    const quoted = received === undefined ? '' : `: ${redactSecrets(preview(received), this.secrets())}`;
    return new LlmError(
      `${this.options.provider} answered ${what}${quoted}; check that ${this.options.baseURL} is the provider's API`,
      'invalid-response',
      { provider: this.options.provider },
    );
  }

  /** The stream ended before the provider said the reply was complete: the connection broke. */
  protected streamBroke(detail: string): LlmError {
    return new LlmError(`the reply from ${this.options.provider} broke off midway (${detail})`, 'network', {
      provider: this.options.provider,
    });
  }

  private secrets(): string[] {
    return this.options.apiKey === undefined ? [] : [this.options.apiKey];
  }
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Tool arguments as the model wrote them. Arguments that are not a JSON object arrive as
 * `{ __invalid_json: raw }`, which the agent loop reports back to the model.
 */
export function parseToolInput(raw: string): unknown {
  if (raw.trim() === '') {
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(raw);
    return isPlainObject(parsed) ? parsed : { __invalid_json: raw };
  } catch {
    return { __invalid_json: raw };
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
