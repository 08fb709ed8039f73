/**
 * Anthropic's Messages API through @anthropic-ai/sdk (its retries off: ours apply). The system
 * prompt and the tool list, which every turn of an agent repeats, are marked for prompt caching.
 */
import Anthropic from '@anthropic-ai/sdk';
import { DEFAULT_MAX_TOKENS, isPlainObject, parseToolInput, ProviderClient, type AttemptReply, type ProviderClientOptions } from './client';
import type { ClassifyContext } from './retry';
import { emptyUsage, type ChatMessage, type ChatRequest, type ContentBlock, type StopReason, type ToolSpec, type Usage } from './types';

const EPHEMERAL = { type: 'ephemeral' } as const;

export class AnthropicClient extends ProviderClient {
  private readonly sdk: Anthropic;

  constructor(options: ProviderClientOptions) {
    super(options);
    this.sdk = new Anthropic({
      apiKey: options.apiKey ?? null,
      // Explicit, so the SDK does not read ANTHROPIC_BASE_URL from the process behind our back.
      baseURL: options.baseURL,
      maxRetries: 0,
      fetch: options.fetch,
      logLevel: 'off',
      openTelemetry: false,
    });
  }

  protected sdkKind(error: unknown): ClassifyContext['sdkKind'] {
    if (error instanceof Anthropic.APIUserAbortError) {
      return 'abort';
    }
    if (error instanceof Anthropic.APIConnectionTimeoutError) {
      return 'timeout';
    }
    return error instanceof Anthropic.APIConnectionError ? 'connection' : undefined;
  }

  protected async attempt(req: ChatRequest, signal: AbortSignal, timeoutMs: number): Promise<AttemptReply> {
    const params = toParams(this.options.model, req, this.options.maxTokens);
    const requestOptions = { signal, timeout: timeoutMs };
    if (req.stream) {
      const stream = await this.sdk.messages.create({ ...params, stream: true }, requestOptions);
      return this.readStream(stream, req.onText);
    }
    const message: unknown = await this.sdk.messages.create({ ...params, stream: false }, requestOptions);
    return this.readMessage(message);
  }

  private readMessage(message: unknown): AttemptReply {
    if (!isPlainObject(message) || !Array.isArray(message.content)) {
      throw this.invalidResponse('something that is not a Messages API reply', message);
    }
    const content: ContentBlock[] = [];
    for (const block of message.content as unknown[]) {
      if (!isPlainObject(block)) {
        continue;
      }
      if (block.type === 'text' && typeof block.text === 'string') {
        content.push({ type: 'text', text: block.text });
      } else if (block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
        content.push({ type: 'tool_use', id: block.id, name: block.name, input: toolInput(block.input) });
      }
    }
    return {
      content,
      stopReason: stopReason(message.stop_reason),
      usage: readUsage(message.usage, emptyUsage()),
      model: typeof message.model === 'string' ? message.model : this.options.model,
    };
  }

  /** Assembles the event stream into blocks; text deltas go to onText as they arrive. */
  private async readStream(stream: AsyncIterable<Anthropic.RawMessageStreamEvent>, onText?: (delta: string) => void): Promise<AttemptReply> {
    const blocks = new Map<number, { kind: 'text'; text: string } | { kind: 'tool'; id: string; name: string; json: string }>();
    let usage = emptyUsage();
    let model = this.options.model;
    let stop: StopReason = 'other';
    let complete = false;

    for await (const event of stream) {
      switch (event.type) {
        case 'message_start':
          model = event.message.model || model;
          usage = readUsage(event.message.usage, usage);
          break;
        case 'content_block_start': {
          const block = event.content_block;
          if (block.type === 'text') {
            blocks.set(event.index, { kind: 'text', text: block.text });
            if (block.text !== '') {
              onText?.(block.text);
            }
          } else if (block.type === 'tool_use') {
            blocks.set(event.index, { kind: 'tool', id: block.id, name: block.name, json: '' });
          }
          break;
        }
        case 'content_block_delta': {
          const block = blocks.get(event.index);
          if (event.delta.type === 'text_delta' && block?.kind === 'text') {
            block.text += event.delta.text;
            onText?.(event.delta.text);
          } else if (event.delta.type === 'input_json_delta' && block?.kind === 'tool') {
            block.json += event.delta.partial_json;
          }
          break;
        }
        case 'message_delta':
          stop = stopReason(event.delta.stop_reason);
          usage = readUsage(event.usage, usage);
          break;
        case 'message_stop':
          complete = true;
          break;
        default:
          break;
      }
    }
    if (!complete) {
      throw this.streamBroke('the stream ended before message_stop');
    }
    const content: ContentBlock[] = [...blocks.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, block]) =>
        block.kind === 'text'
          ? { type: 'text', text: block.text }
          : { type: 'tool_use', id: block.id, name: block.name, input: parseToolInput(block.json) },
      );
    return { content, stopReason: stop, usage, model };
  }
}

function toParams(model: string, req: ChatRequest, defaultMaxTokens = DEFAULT_MAX_TOKENS): Anthropic.MessageCreateParamsNonStreaming {
  const params: Anthropic.MessageCreateParamsNonStreaming = {
    model,
    max_tokens: req.maxTokens ?? defaultMaxTokens,
    messages: req.messages.map(toMessageParam).filter((m) => m.content.length > 0),
  };
  if (req.system !== '') {
    params.system = [{ type: 'text', text: req.system, cache_control: EPHEMERAL }];
  }
  if (req.tools !== undefined && req.tools.length > 0) {
    params.tools = req.tools.map((tool, i, all) => toTool(tool, i === all.length - 1));
  }
  // ChatRequest.temperature is not sent: the SDK has no such field any more and the newer
  // Claude models refuse sampling parameters with a 400.
  return params;
}

function toTool(tool: ToolSpec, last: boolean): Anthropic.Tool {
  return {
    name: tool.name,
    description: tool.description,
    input_schema: { type: 'object', ...tool.inputSchema },
    // The last tool ends the cacheable prefix, so one marker caches every tool before it too.
    ...(last ? { cache_control: EPHEMERAL } : {}),
  };
}

function toMessageParam(message: ChatMessage): Anthropic.MessageParam & { content: Anthropic.ContentBlockParam[] } {
  const content: Anthropic.ContentBlockParam[] = [];
  for (const block of message.content) {
    if (block.type === 'text') {
      // The API refuses empty text blocks.
      if (block.text !== '') {
        content.push({ type: 'text', text: block.text });
      }
    } else if (block.type === 'tool_use') {
      content.push({ type: 'tool_use', id: block.id, name: block.name, input: isPlainObject(block.input) ? block.input : { value: block.input } });
    } else {
      content.push({
        type: 'tool_result',
        tool_use_id: block.toolUseId,
        content: block.content,
        ...(block.isError ? { is_error: true } : {}),
      });
    }
  }
  return { role: message.role, content };
}

/** Non-object input (only a broken proxy sends it) is reported like unparseable arguments. */
function toolInput(input: unknown): unknown {
  if (isPlainObject(input)) {
    return input;
  }
  return { __invalid_json: typeof input === 'string' ? input : JSON.stringify(input) };
}

function stopReason(reason: unknown): StopReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'end_turn';
    case 'tool_use':
      return 'tool_use';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'max_tokens';
    default:
      return 'other';
  }
}

/**
 * Usage fields present in `raw` replace those in `previous`: message_start carries the input
 * side, message_delta the running output count (and, from newer servers, the input side again).
 */
function readUsage(raw: unknown, previous: Usage): Usage {
  if (!isPlainObject(raw)) {
    return previous;
  }
  const count = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
  return {
    inputTokens: count(raw.input_tokens, previous.inputTokens),
    outputTokens: count(raw.output_tokens, previous.outputTokens),
    cacheReadTokens: count(raw.cache_read_input_tokens, previous.cacheReadTokens),
    cacheWriteTokens: count(raw.cache_creation_input_tokens, previous.cacheWriteTokens),
  };
}
