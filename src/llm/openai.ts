/**
 * The Chat Completions API through the openai SDK (its retries off: ours apply), for OpenAI
 * itself and the providers that speak it: Ollama, OpenRouter, Azure OpenAI (the model is the
 * deployment) and Gemini's OpenAI-compatible endpoint. Tool calls become tool_use blocks and
 * tool results become `tool` messages, so agents see the same conversation on every provider.
 */
import OpenAI, { AzureOpenAI } from 'openai';
import { isPlainObject, parseToolInput, ProviderClient, type AttemptReply, type ProviderClientOptions } from './client';
import type { ClassifyContext } from './retry';
import { emptyUsage, type ChatMessage, type ChatRequest, type ContentBlock, type StopReason, type Usage } from './types';

type MessageParam = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type CreateParams = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;

/** Azure API version unless AZURE_OPENAI_API_VERSION says otherwise: tools, streamed usage, max_completion_tokens. */
export const DEFAULT_AZURE_API_VERSION = '2025-04-01-preview';

export class OpenAiCompatibleClient extends ProviderClient {
  private readonly sdk: OpenAI;

  constructor(options: ProviderClientOptions) {
    super(options);
    const common = { maxRetries: 0, fetch: options.fetch, logLevel: 'off' as const };
    if (options.provider === 'azure') {
      this.sdk = new AzureOpenAI({
        ...common,
        apiKey: options.apiKey,
        endpoint: options.baseURL,
        apiVersion: options.apiVersion ?? DEFAULT_AZURE_API_VERSION,
        deployment: options.model,
      });
    } else {
      this.sdk = new OpenAI({
        ...common,
        // Ollama needs no key, but the SDK wants a string.
        apiKey: options.apiKey ?? 'no-key',
        baseURL: options.baseURL,
        // The OpenAI organisation and project from the environment mean nothing to other providers.
        ...(options.provider === 'openai' ? {} : { organization: null, project: null }),
        ...(options.provider === 'openrouter' ? { defaultHeaders: { 'HTTP-Referer': 'https://github.com/auton-dev/auton', 'X-Title': 'AUTON' } } : {}),
      });
    }
  }

  protected sdkKind(error: unknown): ClassifyContext['sdkKind'] {
    if (error instanceof OpenAI.APIUserAbortError) {
      return 'abort';
    }
    if (error instanceof OpenAI.APIConnectionTimeoutError) {
      return 'timeout';
    }
    return error instanceof OpenAI.APIConnectionError ? 'connection' : undefined;
  }

  protected async attempt(req: ChatRequest, signal: AbortSignal, timeoutMs: number): Promise<AttemptReply> {
    const params = this.toParams(req);
    const requestOptions = { signal, timeout: timeoutMs };
    if (req.stream) {
      const stream = await this.sdk.chat.completions.create(
        { ...params, stream: true, stream_options: { include_usage: true } },
        requestOptions,
      );
      return this.readStream(stream, req.onText);
    }
    const completion: unknown = await this.sdk.chat.completions.create({ ...params, stream: false }, requestOptions);
    return this.readCompletion(completion);
  }

  private toParams(req: ChatRequest): CreateParams {
    const params: CreateParams = { model: this.options.model, messages: toMessages(req.system, req.messages) };
    if (req.tools !== undefined && req.tools.length > 0) {
      params.tools = req.tools.map((tool) => ({
        type: 'function',
        function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
      }));
    }
    const maxTokens = req.maxTokens ?? this.options.maxTokens;
    if (maxTokens !== undefined) {
      // OpenAI's newer models refuse max_tokens; the compatible servers know only max_tokens.
      if (this.options.provider === 'openai' || this.options.provider === 'azure') {
        params.max_completion_tokens = maxTokens;
      } else {
        params.max_tokens = maxTokens;
      }
    }
    if (req.temperature !== undefined) {
      params.temperature = req.temperature;
    }
    return params;
  }

  private readCompletion(completion: unknown): AttemptReply {
    const choice: unknown = isPlainObject(completion) && Array.isArray(completion.choices) ? completion.choices[0] : undefined;
    if (!isPlainObject(completion) || !isPlainObject(choice) || !isPlainObject(choice.message)) {
      throw this.invalidResponse('something that is not a Chat Completions reply', completion);
    }
    const message = choice.message;
    const content: ContentBlock[] = [];
    if (typeof message.content === 'string' && message.content !== '') {
      content.push({ type: 'text', text: message.content });
    }
    const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as unknown[]) : [];
    calls.forEach((call, index) => {
      if (isPlainObject(call) && isPlainObject(call.function) && typeof call.function.name === 'string') {
        content.push({
          type: 'tool_use',
          id: typeof call.id === 'string' && call.id !== '' ? call.id : `call_${index}`,
          name: call.function.name,
          input: toolInput(call.function.arguments),
        });
      }
    });
    return {
      content,
      stopReason: stopReason(choice.finish_reason),
      usage: readUsage(completion.usage),
      model: typeof completion.model === 'string' && completion.model !== '' ? completion.model : this.options.model,
    };
  }

  /** Assembles text deltas and tool-call deltas (by index) into blocks. */
  private async readStream(stream: AsyncIterable<Chunk>, onText?: (delta: string) => void): Promise<AttemptReply> {
    let text = '';
    const calls = new Map<number, { id: string; name: string; args: string; object?: unknown }>();
    let usage = emptyUsage();
    let model = this.options.model;
    let finish: unknown;

    for await (const chunk of stream) {
      if (typeof chunk.model === 'string' && chunk.model !== '') {
        model = chunk.model;
      }
      if (isPlainObject(chunk.usage)) {
        usage = readUsage(chunk.usage);
      }
      const choice = chunk.choices?.[0];
      if (choice === undefined) {
        continue;
      }
      const delta = choice.delta ?? {};
      if (typeof delta.content === 'string' && delta.content !== '') {
        text += delta.content;
        onText?.(delta.content);
      }
      for (const call of delta.tool_calls ?? []) {
        // Some compatible servers leave out the index; a new id then starts a new call.
        const index =
          typeof call.index === 'number'
            ? call.index
            : call.id !== undefined && ![...calls.values()].some((c) => c.id === call.id)
              ? calls.size
              : Math.max(0, calls.size - 1);
        const slot = calls.get(index) ?? { id: '', name: '', args: '' };
        calls.set(index, slot);
        if (call.id) {
          slot.id = call.id;
        }
        if (call.function?.name) {
          slot.name = call.function.name;
        }
        const args: unknown = call.function?.arguments;
        if (typeof args === 'string') {
          slot.args += args;
        } else if (args !== undefined && args !== null) {
          slot.object = args;
        }
      }
      if (choice.finish_reason) {
        finish = choice.finish_reason;
      }
    }
    if (finish === undefined) {
      throw this.streamBroke('the stream ended before a finish_reason');
    }
    const content: ContentBlock[] = text === '' ? [] : [{ type: 'text', text }];
    for (const [index, call] of [...calls.entries()].sort(([a], [b]) => a - b)) {
      content.push({
        type: 'tool_use',
        id: call.id === '' ? `call_${index}` : call.id,
        name: call.name,
        input: call.object !== undefined ? toolInput(call.object) : parseToolInput(call.args),
      });
    }
    return { content, stopReason: stopReason(finish), usage, model };
  }
}

function toMessages(system: string, messages: readonly ChatMessage[]): MessageParam[] {
  const out: MessageParam[] = system === '' ? [] : [{ role: 'system', content: system }];
  for (const message of messages) {
    const text = message.content
      .filter((b) => b.type === 'text')
      .map((b) => b.text)
      .join('\n');
    if (message.role === 'assistant') {
      const toolCalls = message.content.flatMap((b) =>
        b.type === 'tool_use'
          ? [{ id: b.id, type: 'function' as const, function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } }]
          : [],
      );
      if (text !== '' || toolCalls.length > 0) {
        out.push({ role: 'assistant', content: text === '' ? null : text, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) });
      }
      continue;
    }
    // Tool results answer the assistant's calls and must come right after them.
    for (const block of message.content) {
      if (block.type === 'tool_result') {
        out.push({ role: 'tool', tool_call_id: block.toolUseId, content: block.isError ? `ERROR: ${block.content}` : block.content });
      }
    }
    if (text !== '') {
      out.push({ role: 'user', content: text });
    }
  }
  return out;
}

function toolInput(args: unknown): unknown {
  if (typeof args === 'string') {
    return parseToolInput(args);
  }
  return isPlainObject(args) ? args : { __invalid_json: JSON.stringify(args) ?? '' };
}

function stopReason(reason: unknown): StopReason {
  switch (reason) {
    case 'stop':
      return 'end_turn';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'length':
      return 'max_tokens';
    default:
      return 'other';
  }
}

/** prompt_tokens include the cached ones; Usage counts them apart (see Usage in types.ts). */
function readUsage(raw: unknown): Usage {
  if (!isPlainObject(raw)) {
    return emptyUsage();
  }
  const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  const details = isPlainObject(raw.prompt_tokens_details) ? raw.prompt_tokens_details : {};
  const cacheRead = count(details.cached_tokens);
  // OpenRouter reports prompt-cache writes of the models that bill them (Anthropic's).
  const cacheWrite = count(details.cache_write_tokens);
  return {
    inputTokens: Math.max(0, count(raw.prompt_tokens) - cacheRead - cacheWrite),
    outputTokens: count(raw.completion_tokens),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
  };
}
