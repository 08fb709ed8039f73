/**
 * Retries of model calls, for every provider alike (the SDKs' own retries are turned off).
 * Rate limits (429), server errors (5xx), network failures (including a stream that dies
 * midway: the whole request is sent again) and per-attempt timeouts are retried with
 * exponential backoff and jitter, or after exactly the wait the provider asked for with
 * `retry-after-ms` / `retry-after`. Wrong keys (401/403), refused requests (400/404/422),
 * unreadable replies and cancellation are never retried.
 */
import { redactSecrets } from './redact';
import { LlmError, type LlmErrorKind, type RetryNotice } from './types';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RetryOptions {
  /** Attempts in all, the first included. Default 5. */
  maxAttempts?: number;
  /** Backoff before the second attempt; doubles each time up to maxDelayMs. Default 1000. */
  baseDelayMs?: number;
  /** Ceiling of the computed backoff (not of a wait the provider asked for). Default 60000. */
  maxDelayMs?: number;
  /** A provider asking to wait longer than this ends the call instead. Default 10 minutes. */
  maxRetryAfterMs?: number;
  /** Per-attempt timeout; the whole attempt, streaming included. None by default. */
  timeoutMs?: number;
  /** Injectable for tests; must reject when `signal` aborts. */
  sleep?: Sleep;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Cancels the call: the attempt in flight and any wait between attempts. */
  signal?: AbortSignal;
  onRetry?: (notice: RetryNotice) => void;
  /** Named in error messages, e.g. "anthropic". */
  provider?: string;
}

export interface AttemptContext {
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborts on cancellation and when this attempt's timeout expires; pass it to the SDK. */
  signal: AbortSignal;
}

const DEFAULTS = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxRetryAfterMs: 10 * 60_000,
};

export const defaultSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelled());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function cancelled(provider?: string): LlmError {
  return new LlmError(`the ${provider ?? 'model'} request was cancelled`, 'cancelled', { provider, retryable: false });
}

/**
 * Runs `fn` until it succeeds, a non-retryable error occurs, or attempts run out. Whatever
 * `fn` throws is classified (see classifyError); the error that ends the call is an LlmError
 * carrying the number of attempts made.
 */
export async function withRetries<T>(fn: (ctx: AttemptContext) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? DEFAULTS.maxAttempts));
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const { signal, provider } = options;

  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) {
      throw withAttempts(cancelled(provider), attempt - 1);
    }
    let error: LlmError;
    try {
      return await runAttempt(fn, attempt, options);
    } catch (thrown) {
      error = thrown instanceof LlmError ? thrown : classifyError(thrown, { provider });
    }
    if (!error.retryable) {
      throw withAttempts(error, attempt);
    }
    if (attempt >= maxAttempts) {
      throw withAttempts(error, attempt, `gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}`);
    }
    const delayMs = retryDelay(error, attempt, options, random);
    const maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs;
    if (delayMs > maxRetryAfterMs) {
      const wait = `${Math.ceil(delayMs / 1000)} s`;
      throw withAttempts(error, attempt, `the provider asked to wait ${wait} before retrying, longer than the ${maxRetryAfterMs / 1000} s AUTON waits; try again later`);
    }
    options.onRetry?.({ attempt, delayMs, error });
    try {
      await sleep(delayMs, signal);
    } catch {
      throw withAttempts(cancelled(provider), attempt);
    }
  }
}

/** One attempt under its own abort signal, which cancellation and the timeout both fire. */
async function runAttempt<T>(fn: (ctx: AttemptContext) => Promise<T>, attempt: number, options: RetryOptions): Promise<T> {
  const { signal: outer, timeoutMs, provider } = options;
  const controller = new AbortController();
  let timedOut = false;
  const onOuterAbort = (): void => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(new Error('attempt timed out'));
        }, timeoutMs);

  // The SDKs honour the signal, but an attempt must end when it fires even if one does not.
  let stopWaiting: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = (): void => reject(new Error('aborted'));
    controller.signal.addEventListener('abort', onAbort, { once: true });
    stopWaiting = () => controller.signal.removeEventListener('abort', onAbort);
  });
  aborted.catch(() => undefined);

  const work = fn({ attempt, signal: controller.signal });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, aborted]);
  } catch (thrown) {
    if (outer?.aborted) {
      throw cancelled(provider);
    }
    if (timedOut) {
      const seconds = (timeoutMs ?? 0) / 1000;
      throw new LlmError(`${provider ?? 'the model'} did not finish answering within ${seconds} s`, 'timeout', { provider, cause: thrown });
    }
    throw thrown;
  } finally {
    clearTimeout(timer);
    stopWaiting?.();
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

function retryDelay(error: LlmError, attempt: number, options: RetryOptions, random: () => number): number {
  const asked = error.options.retryAfterMs;
  if (asked !== undefined && (error.kind === 'rate-limit' || error.kind === 'server')) {
    return asked;
  }
  const base = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const ceiling = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
  const backoff = Math.min(ceiling, base * 2 ** (attempt - 1));
  // Half fixed, half random: attempts still spread out while the wait keeps growing.
  return Math.round(backoff / 2 + (backoff / 2) * random());
}

function withAttempts(error: LlmError, attempts: number, note?: string): LlmError {
  const message = note === undefined ? error.message : `${error.message} (${note})`;
  return new LlmError(message, error.kind, { ...error.options, attempts, retryable: error.retryable });
}

/** Headers as both SDKs expose them (fetch Headers), or a plain record. */
type HeaderSource = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource | undefined, name: string): string | undefined {
  if (headers === undefined) {
    return undefined;
  }
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The wait a provider asked for: `retry-after-ms` (OpenAI, Anthropic), else `retry-after` in
 * seconds or as an HTTP date. Undefined when absent, unreadable or negative.
 */
export function parseRetryAfter(headers: HeaderSource | undefined, now: number = Date.now()): number | undefined {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) {
      return Math.round(value);
    }
  }
  const after = header(headers, 'retry-after')?.trim();
  if (after === undefined || after === '') {
    return undefined;
  }
  if (/^\d+(\.\d+)?$/.test(after)) {
    return Math.round(Number(after) * 1000);
  }
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface ClassifyContext {
  provider?: string;
  model?: string;
  baseURL?: string;
  /** Environment variable of the key, named in auth errors. */
  keyEnv?: string;
  /** Secrets to keep out of the message besides the registered ones. */
  secrets?: readonly string[];
  /** How the SDK's own connection/abort classes were recognised (instanceof, by the caller). */
  sdkKind?: 'connection' | 'timeout' | 'abort';
}

interface HttpErrorLike {
  status: number;
  headers?: HeaderSource;
  message: string;
  error?: unknown;
}

function isHttpError(value: unknown): value is HttpErrorLike {
  return value instanceof Error && typeof (value as { status?: unknown }).status === 'number';
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      return code;
    }
  }
  return undefined;
}

function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 4; depth++) {
    if (e instanceof Error) {
      if (!parts.includes(e.message)) {
        parts.push(e.message);
      }
      e = e.cause;
    } else {
      parts.push(typeof e === 'string' ? e : (JSON.stringify(e) ?? typeof e));
      break;
    }
  }
  return parts.join(': ');
}

/** The message inside a provider's error body, if it has one. */
/** What the provider said, on one line: HTML tags dropped, blanks collapsed, at most 200 characters. */
function providerMessage(error: HttpErrorLike): string {
  const body = error.error as { error?: { message?: unknown }; message?: unknown } | undefined;
  const inner = body?.error?.message ?? body?.message;
  const text = typeof inner === 'string' && inner !== '' ? inner : error.message;
  const line = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Turns anything an SDK call threw into an LlmError with a message that says what to do. */
export function classifyError(error: unknown, ctx: ClassifyContext = {}): LlmError {
  if (error instanceof LlmError) {
    return error;
  }
  const provider = ctx.provider ?? 'the provider';
  const make = (message: string, kind: LlmErrorKind, extra: { status?: number; retryAfterMs?: number } = {}): LlmError =>
    new LlmError(redactSecrets(message, ctx.secrets), kind, { provider: ctx.provider, cause: error, ...extra });

  if (ctx.sdkKind === 'abort') {
    return make(`the ${provider} request was cancelled`, 'cancelled');
  }
  if (ctx.sdkKind === 'timeout') {
    return make(`${provider} did not answer in time`, 'timeout');
  }
  if (isHttpError(error)) {
    return classifyStatus(error, ctx, make);
  }
  if (error instanceof SyntaxError) {
    const url = ctx.baseURL === undefined ? 'base URL' : `base URL ${ctx.baseURL}`;
    return make(`${provider} answered with a reply that is not valid JSON (${error.message}); check that the ${url} points at its API`, 'invalid-response');
  }
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'APIUserAbortError')) {
    return make(`the ${provider} request was cancelled`, 'cancelled');
  }
  if (error instanceof Error && error.name === 'APIConnectionTimeoutError') {
    return make(`${provider} did not answer in time`, 'timeout');
  }
  const code = errorCode(error);
  const connection =
    ctx.sdkKind === 'connection' ||
    (error instanceof Error && error.name === 'APIConnectionError') ||
    (code !== undefined && NETWORK_CODES.has(code)) ||
    (error instanceof TypeError && /terminated|fetch failed|socket|network/i.test(error.message));
  if (connection) {
    const where = ctx.baseURL === undefined ? '' : ` at ${ctx.baseURL}`;
    return make(`could not talk to ${provider}${where}: ${describe(error)}`, 'network');
  }
  // A streamed reply that carried an error event has no HTTP status but says what it was.
  const streamed = streamErrorKind(error);
  if (streamed !== undefined) {
    return make(`${provider} reported an error while streaming: ${describe(error)}`, streamed);
  }
  return make(`${provider} call failed: ${describe(error)}`, 'invalid-response');
}

function streamErrorKind(error: unknown): LlmErrorKind | undefined {
  if (!(error instanceof Error)) {
    return undefined;
  }
  const body = (error as { error?: unknown }).error as { error?: { type?: unknown }; type?: unknown } | undefined;
  const type = body?.error?.type ?? body?.type;
  if (typeof type !== 'string') {
    return undefined;
  }
  if (type.includes('rate_limit')) {
    return 'rate-limit';
  }
  if (type.includes('authentication') || type.includes('permission')) {
    return 'auth';
  }
  if (type.includes('invalid_request') || type.includes('not_found')) {
    return 'bad-request';
  }
  return 'server';
}

function classifyStatus(
  error: HttpErrorLike,
  ctx: ClassifyContext,
  make: (message: string, kind: LlmErrorKind, extra?: { status?: number; retryAfterMs?: number }) => LlmError,
): LlmError {
  const provider = ctx.provider ?? 'the provider';
  const status = error.status;
  const said = providerMessage(error);
  const http = `HTTP ${status}: ${said}`;
  if (status === 401 || status === 403) {
    const fix = ctx.keyEnv === undefined ? 'check the key' : `check ${ctx.keyEnv} or run "AUTON: Set API Key"`;
    return make(`${provider} refused the API key (${http}); ${fix}`, 'auth', { status });
  }
  if (status === 429) {
    return make(`${provider} is rate-limiting requests (${http})`, 'rate-limit', {
      status,
      retryAfterMs: parseRetryAfter(error.headers),
    });
  }
  if (status >= 500) {
    return make(`${provider} had a server error (${http})`, 'server', { status, retryAfterMs: parseRetryAfter(error.headers) });
  }
  if (status === 408) {
    return make(`${provider} timed out the request (${http})`, 'timeout', { status });
  }
  if (status === 409) {
    // Anthropic and OpenAI answer 409 to a request that collided with another; it passes.
    return make(`${provider} reported a conflict (${http})`, 'server', { status, retryAfterMs: parseRetryAfter(error.headers) });
  }
  if (status === 404) {
    const model = ctx.model === undefined ? 'the model name' : `the model name "${ctx.model}"`;
    const where = ctx.baseURL === undefined ? 'the base URL' : `the base URL ${ctx.baseURL}`;
    return make(`${provider} answered 404 Not Found (${said}); check ${model} and ${where}`, 'bad-request', { status });
  }
  return make(`${provider} refused the request (${http}); it is not retried: fix the request or the settings`, 'bad-request', { status });
}
