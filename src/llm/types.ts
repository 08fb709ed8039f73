/**
 * The one interface every model provider implements. Content is normalized
 * to Anthropic-style blocks (text, tool_use, tool_result) whatever the wire
 * format, so agents and the engine never see provider differences.
 */

export interface TextBlock {
  type: 'text';
  text: string;
}

export interface ToolUseBlock {
  type: 'tool_use';
  /** Provider-assigned id, echoed back in the matching tool_result. */
  id: string;
  name: string;
  /** Parsed arguments. Arguments that were not valid JSON arrive as { __invalid_json: "<raw>" }. */
  input: unknown;
}

export interface ToolResultBlock {
  type: 'tool_result';
  toolUseId: string;
  content: string;
  isError?: boolean;
}

export type ContentBlock = TextBlock | ToolUseBlock | ToolResultBlock;

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

/** A tool the model may call; inputSchema is a JSON Schema object. */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface ChatRequest {
  system: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  maxTokens?: number;
  temperature?: number;
  /** Stream the reply; onText receives text deltas as they arrive. */
  stream?: boolean;
  onText?: (delta: string) => void;
  signal?: AbortSignal;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /**
   * Called before each retry. Text already passed to onText belongs to the failed attempt: a
   * streaming UI should drop it, since the retried request streams its reply from the start.
   */
  onRetry?: (info: RetryNotice) => void;
}

export interface RetryNotice {
  /** The attempt that failed (1 for the first). */
  attempt: number;
  /** How long the client waits before the next attempt. */
  delayMs: number;
  error: LlmError;
}

/**
 * Tokens of one reply. `inputTokens` counts only the prompt tokens billed at the plain input
 * rate: the whole prompt is inputTokens + cacheReadTokens + cacheWriteTokens, whatever the
 * provider (OpenAI's prompt_tokens include the cached ones; they are split out here).
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'other';

export interface ChatResponse {
  content: ContentBlock[];
  stopReason: StopReason;
  usage: Usage;
  /** The model that answered, as the provider named it. */
  model: string;
  costUsd: number;
  /** False when the model is not in the price table: costUsd is then 0, not a real figure. */
  priced?: boolean;
  /** Attempts made (1 when the first try succeeded). */
  attempts: number;
}

export interface LlmClient {
  /** `provider/model` */
  readonly id: string;
  chat(req: ChatRequest): Promise<ChatResponse>;
}

export type LlmErrorKind =
  | 'auth'            // 401/403: wrong or missing key; never retried
  | 'bad-request'     // 400/404/422: never retried
  | 'rate-limit'      // 429: retried, honouring retry-after
  | 'server'          // 5xx: retried
  | 'network'         // connection refused/reset, stream cut: retried
  | 'timeout'         // retried
  | 'cancelled'
  | 'invalid-response'; // the provider answered something unparseable

export class LlmError extends Error {
  constructor(
    message: string,
    readonly kind: LlmErrorKind,
    readonly options: {
      status?: number;
      retryable?: boolean;
      provider?: string;
      cause?: unknown;
      /** What the provider asked for (retry-after / retry-after-ms headers), in milliseconds. */
      retryAfterMs?: number;
      /** Attempts made before giving up, on the error that ends a call. */
      attempts?: number;
    } = {},
  ) {
    super(message);
    this.name = 'LlmError';
  }
  get retryable(): boolean {
    return this.options.retryable ?? ['rate-limit', 'server', 'network', 'timeout'].includes(this.kind);
  }
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
}
