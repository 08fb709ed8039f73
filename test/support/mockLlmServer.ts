/**
 * A loopback server that speaks Anthropic's Messages API (POST /v1/messages) and OpenAI's Chat
 * Completions API (POST …/chat/completions, which also covers Azure's deployment paths), JSON
 * and server-sent events, with replies scripted by the test. The real SDKs talk to it, so
 * tests exercise the same parsing, streaming and error paths as production.
 *
 * Whatever the API, each request's conversation is normalized into src/llm ChatMessages (tool
 * calls as tool_use blocks, tool results as tool_result blocks) so scripts read it one way.
 *
 * Defaults of a scripted reply: stopReason `tool_use` when it has tool calls, else `end_turn`;
 * usage 10 input and 5 output tokens, no cache. OpenAI's prompt_tokens are input + cacheRead.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatMessage, ContentBlock } from '../../src/llm/types';

export interface ScriptedToolCall {
  name: string;
  input: unknown;
  id?: string;
}

export type ScriptedReply =
  | {
      text?: string;
      toolCalls?: ScriptedToolCall[];
      stopReason?: 'end_turn' | 'tool_use' | 'max_tokens';
      usage?: { input?: number; output?: number; cacheRead?: number; cacheWrite?: number };
    }
  | { status: number; body?: unknown; headers?: Record<string, string> } // HTTP error reply
  | { cutStreamAfterChunks: number; text?: string; toolCalls?: ScriptedToolCall[] } // stream dies midway (or a truncated JSON body when not streaming)
  | { rawBody: string; contentType?: string } // e.g. invalid JSON
  | { rawToolArguments: string; name: string } // a tool call whose arguments are not JSON
  | { delayMs: number; then: ScriptedReply };

export interface MockRequest {
  api: 'anthropic' | 'openai';
  path: string;
  headers: Record<string, string | string[] | undefined>;
  stream: boolean;
  model: string;
  system: string;
  messages: ChatMessage[];
  tools: string[];
  raw: unknown;
  /** 0 for the first request the server received. */
  index: number;
}

export type Script = (req: MockRequest) => ScriptedReply | Promise<ScriptedReply>;

type Api = MockRequest['api'];

/** One reply in API-neutral form; `args` is the raw argument text of each call. */
interface Turn {
  text: string;
  calls: { id: string; name: string; args: string }[];
  stopReason: 'end_turn' | 'tool_use' | 'max_tokens';
  usage: { input: number; output: number; cacheRead: number; cacheWrite: number };
}

type Json = Record<string, unknown>;

export class MockLlmServer {
  readonly requests: MockRequest[] = [];
  private script: Script | ScriptedReply[] = [];
  private cursor = 0;
  private readonly waits = new Set<() => void>();
  /** Base URL for the OpenAI SDK (`url` is the Anthropic SDK's). */
  readonly openaiUrl: string;

  private constructor(
    private readonly server: Server,
    /** http://127.0.0.1:PORT */
    readonly url: string,
  ) {
    this.openaiUrl = `${url}/v1`;
  }

  /** An array is consumed in order; running out answers 500 with a message saying so. */
  static async start(script: Script | ScriptedReply[]): Promise<MockLlmServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const mock = new MockLlmServer(server, `http://127.0.0.1:${port}`);
    mock.setScript(script);
    server.on('request', (req, res) => {
      mock.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          sendJson(res, 500, { error: { message: `MockLlmServer failed: ${String(error)}` } });
        } else {
          res.destroy();
        }
      });
    });
    return mock;
  }

  setScript(script: Script | ScriptedReply[]): void {
    this.script = Array.isArray(script) ? [...script] : script;
    this.cursor = 0;
  }

  /** Stops listening, drops every connection and ends scripted delays; leaves no handles. */
  async close(): Promise<void> {
    for (const release of [...this.waits]) {
      release();
    }
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const body = await readBody(req);
    const api: Api | undefined =
      req.method !== 'POST' ? undefined : url.pathname.endsWith('/v1/messages') ? 'anthropic' : url.pathname.endsWith('/chat/completions') ? 'openai' : undefined;
    if (api === undefined) {
      sendJson(res, 404, { error: { message: `MockLlmServer: nothing at ${req.method ?? '?'} ${url.pathname}` } });
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(body);
    } catch {
      sendJson(res, 400, errorBody(api, 400, 'MockLlmServer: the request body is not JSON'));
      return;
    }
    const request = normalizeRequest(api, url.pathname + url.search, req.headers, raw, this.requests.length);
    this.requests.push(request);
    let reply: ScriptedReply;
    try {
      reply = await this.next(request);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      sendJson(res, 500, errorBody(api, 500, `MockLlmServer: the script threw: ${message}`));
      return;
    }
    await this.send(request, reply, res);
  }

  private async next(request: MockRequest): Promise<ScriptedReply> {
    if (!Array.isArray(this.script)) {
      return this.script(request);
    }
    const reply = this.script[this.cursor];
    this.cursor += 1;
    if (reply === undefined) {
      const message = `MockLlmServer: the script ran out of replies (it had ${this.script.length}; this is request #${request.index + 1})`;
      return { status: 500, body: errorBody(request.api, 500, message) };
    }
    return reply;
  }

  private async send(request: MockRequest, reply: ScriptedReply, res: ServerResponse): Promise<void> {
    if ('delayMs' in reply) {
      const finished = await this.wait(reply.delayMs, res);
      if (finished) {
        await this.send(request, reply.then, res);
      }
      return;
    }
    if ('status' in reply) {
      const body = reply.body ?? errorBody(request.api, reply.status, `MockLlmServer: scripted HTTP ${reply.status}`);
      sendJson(res, reply.status, body, reply.headers);
      return;
    }
    if ('rawBody' in reply) {
      res.writeHead(200, { 'content-type': reply.contentType ?? 'application/json' });
      res.end(reply.rawBody);
      return;
    }
    if ('rawToolArguments' in reply) {
      const turn = toTurn(request, { toolCalls: [] });
      turn.calls = [{ id: callId(request, 0), name: reply.name, args: reply.rawToolArguments }];
      turn.stopReason = 'tool_use';
      this.sendTurn(request, turn, res);
      return;
    }
    if ('cutStreamAfterChunks' in reply) {
      const turn = toTurn(request, { text: reply.text, toolCalls: reply.toolCalls });
      if (request.stream) {
        const chunks = sseChunks(request, turn).slice(0, Math.max(0, reply.cutStreamAfterChunks));
        res.writeHead(200, SSE_HEADERS);
        writeThenCut(res, chunks);
      } else {
        const full = JSON.stringify(jsonReply(request, turn));
        res.writeHead(200, { 'content-type': 'application/json' });
        writeThenCut(res, [full.slice(0, Math.floor(full.length / 2))]);
      }
      return;
    }
    this.sendTurn(request, toTurn(request, reply), res);
  }

  private sendTurn(request: MockRequest, turn: Turn, res: ServerResponse): void {
    if (request.stream) {
      res.writeHead(200, SSE_HEADERS);
      res.end(sseChunks(request, turn).join(''));
    } else {
      sendJson(res, 200, jsonReply(request, turn));
    }
  }

  /** Resolves true after `ms`, false when the client hung up or the server closed first. */
  private wait(ms: number, res: ServerResponse): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (finished: boolean): void => {
        clearTimeout(timer);
        res.off('close', onClose);
        this.waits.delete(release);
        resolve(finished);
      };
      const release = (): void => done(false);
      const onClose = (): void => done(false);
      const timer = setTimeout(() => done(true), ms);
      res.on('close', onClose);
      this.waits.add(release);
    });
  }
}

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Writes the chunks, then kills the connection as a dying server or proxy would. */
function writeThenCut(res: ServerResponse, chunks: string[]): void {
  let pending = chunks.length;
  const cut = (): void => {
    res.socket?.destroy();
  };
  if (pending === 0) {
    res.flushHeaders();
    setImmediate(cut);
    return;
  }
  for (const chunk of chunks) {
    res.write(chunk, () => {
      pending -= 1;
      if (pending === 0) {
        setImmediate(cut);
      }
    });
  }
}

const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

function errorBody(api: Api, status: number, message: string): Json {
  if (api === 'anthropic') {
    return { type: 'error', error: { type: ANTHROPIC_ERROR_TYPES[status] ?? 'api_error', message } };
  }
  const type = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param: null, code: status === 401 ? 'invalid_api_key' : null } };
}

function callId(request: MockRequest, i: number): string {
  return request.api === 'anthropic' ? `toolu_mock_${request.index}_${i}` : `call_mock_${request.index}_${i}`;
}

function toTurn(
  request: MockRequest,
  reply: { text?: string; toolCalls?: ScriptedToolCall[]; stopReason?: Turn['stopReason']; usage?: Partial<Turn['usage']> },
): Turn {
  const calls = (reply.toolCalls ?? []).map((call, i) => ({
    id: call.id ?? callId(request, i),
    name: call.name,
    args: JSON.stringify(call.input ?? {}),
  }));
  return {
    text: reply.text ?? '',
    calls,
    stopReason: reply.stopReason ?? (calls.length > 0 ? 'tool_use' : 'end_turn'),
    usage: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, ...reply.usage },
  };
}

/** Splits text the way a model streams it: a word (with its leading space) at a time. */
function textPieces(text: string): string[] {
  return text.match(/\s*\S+\s*$|\s*\S+/g) ?? (text === '' ? [] : [text]);
}

/** Splits tool arguments into a few arbitrary pieces, so clients must join them. */
function argPieces(args: string): string[] {
  const size = Math.max(1, Math.ceil(args.length / 3));
  const pieces: string[] = [];
  for (let at = 0; at < args.length; at += size) {
    pieces.push(args.slice(at, at + size));
  }
  return pieces;
}

function anthropicUsage(turn: Turn): Json {
  return {
    input_tokens: turn.usage.input,
    output_tokens: turn.usage.output,
    cache_read_input_tokens: turn.usage.cacheRead,
    cache_creation_input_tokens: turn.usage.cacheWrite,
  };
}

function openaiUsage(turn: Turn): Json {
  return {
    prompt_tokens: turn.usage.input + turn.usage.cacheRead,
    completion_tokens: turn.usage.output,
    total_tokens: turn.usage.input + turn.usage.cacheRead + turn.usage.output,
    prompt_tokens_details: { cached_tokens: turn.usage.cacheRead },
  };
}

const OPENAI_FINISH: Record<Turn['stopReason'], string> = { end_turn: 'stop', tool_use: 'tool_calls', max_tokens: 'length' };

function parsedOr(args: string): unknown {
  try {
    return JSON.parse(args);
  } catch {
    // Only a broken server sends this without streaming; clients report it as invalid JSON.
    return args;
  }
}

function jsonReply(request: MockRequest, turn: Turn): Json {
  if (request.api === 'anthropic') {
    const content: Json[] = [];
    if (turn.text !== '') {
      content.push({ type: 'text', text: turn.text });
    }
    for (const call of turn.calls) {
      content.push({ type: 'tool_use', id: call.id, name: call.name, input: parsedOr(call.args) });
    }
    return {
      id: `msg_mock_${request.index}`,
      type: 'message',
      role: 'assistant',
      model: request.model,
      content,
      stop_reason: turn.stopReason,
      stop_sequence: null,
      usage: anthropicUsage(turn),
    };
  }
  const toolCalls = turn.calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.args } }));
  return {
    id: `chatcmpl-mock-${request.index}`,
    object: 'chat.completion',
    created: 1_700_000_000,
    model: request.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: turn.text === '' ? null : turn.text, refusal: null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
        finish_reason: OPENAI_FINISH[turn.stopReason],
        logprobs: null,
      },
    ],
    usage: openaiUsage(turn),
  };
}

/** The reply as the provider streams it, one string per server-sent event. */
function sseChunks(request: MockRequest, turn: Turn): string[] {
  return request.api === 'anthropic' ? anthropicEvents(request, turn) : openaiChunks(request, turn);
}

function anthropicEvents(request: MockRequest, turn: Turn): string[] {
  const events: string[] = [];
  const event = (data: Json): void => {
    events.push(`event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  event({
    type: 'message_start',
    message: {
      id: `msg_mock_${request.index}`,
      type: 'message',
      role: 'assistant',
      model: request.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...anthropicUsage(turn), output_tokens: 1 },
    },
  });
  let index = 0;
  if (turn.text !== '') {
    event({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
    event({ type: 'ping' });
    for (const piece of textPieces(turn.text)) {
      event({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
    }
    event({ type: 'content_block_stop', index });
    index += 1;
  }
  for (const call of turn.calls) {
    event({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } });
    for (const piece of ['', ...argPieces(call.args)]) {
      event({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
    }
    event({ type: 'content_block_stop', index });
    index += 1;
  }
  event({ type: 'message_delta', delta: { stop_reason: turn.stopReason, stop_sequence: null }, usage: { output_tokens: turn.usage.output } });
  event({ type: 'message_stop' });
  return events;
}

function openaiChunks(request: MockRequest, turn: Turn): string[] {
  const chunks: string[] = [];
  const includeUsage = isObject(request.raw) && isObject(request.raw.stream_options) && request.raw.stream_options.include_usage === true;
  const chunk = (choices: Json[], extra: Json = {}): void => {
    const data = {
      id: `chatcmpl-mock-${request.index}`,
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: request.model,
      choices,
      ...(includeUsage ? { usage: null } : {}),
      ...extra,
    };
    chunks.push(`data: ${JSON.stringify(data)}\n\n`);
  };
  const delta = (d: Json, finish: string | null = null): Json => ({ index: 0, delta: d, finish_reason: finish, logprobs: null });
  chunk([delta({ role: 'assistant', content: '', refusal: null })]);
  for (const piece of textPieces(turn.text)) {
    chunk([delta({ content: piece })]);
  }
  turn.calls.forEach((call, i) => {
    chunk([delta({ tool_calls: [{ index: i, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] })]);
    for (const piece of argPieces(call.args)) {
      chunk([delta({ tool_calls: [{ index: i, function: { arguments: piece } }] })]);
    }
  });
  chunk([delta({}, OPENAI_FINISH[turn.stopReason])]);
  if (includeUsage) {
    chunk([], { usage: openaiUsage(turn) });
  }
  chunks.push('data: [DONE]\n\n');
  return chunks;
}

// ---- Requests, normalized ----

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Text of a string or of an array of `{ type: 'text', text }` parts. */
function textOf(content: unknown): string {
  if (typeof content === 'string') {
    return content;
  }
  if (Array.isArray(content)) {
    return content.map((part) => (isObject(part) && part.type === 'text' ? str(part.text) : '')).join('');
  }
  return '';
}

function toolInputOf(args: unknown): unknown {
  if (typeof args !== 'string') {
    return args;
  }
  try {
    return JSON.parse(args);
  } catch {
    return { __invalid_json: args };
  }
}

function normalizeRequest(
  api: Api,
  path: string,
  headers: IncomingMessage['headers'],
  raw: unknown,
  index: number,
): MockRequest {
  const body = isObject(raw) ? raw : {};
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : []);
  const base = {
    api,
    path,
    headers: { ...headers },
    stream: body.stream === true,
    model: str(body.model),
    raw,
    index,
  };
  if (api === 'anthropic') {
    const system = Array.isArray(body.system) ? list(body.system).map((b) => (isObject(b) ? str(b.text) : '')).join('\n') : str(body.system);
    const messages = list(body.messages).filter(isObject).map(anthropicMessage);
    const tools = list(body.tools).map((t) => (isObject(t) ? str(t.name) : ''));
    return { ...base, system, messages: mergeRoles(messages), tools };
  }
  const systemParts: string[] = [];
  const messages: ChatMessage[] = [];
  for (const message of list(body.messages).filter(isObject)) {
    const role = str(message.role);
    if (role === 'system' || role === 'developer') {
      systemParts.push(textOf(message.content));
    } else if (role === 'tool') {
      messages.push({ role: 'user', content: [{ type: 'tool_result', toolUseId: str(message.tool_call_id), content: textOf(message.content) }] });
    } else if (role === 'assistant') {
      const content: ContentBlock[] = [];
      const text = textOf(message.content);
      if (text !== '') {
        content.push({ type: 'text', text });
      }
      for (const call of list(message.tool_calls).filter(isObject)) {
        const fn = isObject(call.function) ? call.function : {};
        content.push({ type: 'tool_use', id: str(call.id), name: str(fn.name), input: toolInputOf(fn.arguments) });
      }
      messages.push({ role: 'assistant', content });
    } else {
      messages.push({ role: 'user', content: [{ type: 'text', text: textOf(message.content) }] });
    }
  }
  const tools = list(body.tools).map((t) => (isObject(t) && isObject(t.function) ? str(t.function.name) : ''));
  return { ...base, system: systemParts.join('\n'), messages: mergeRoles(messages), tools };
}

function anthropicMessage(message: Json): ChatMessage {
  const role = message.role === 'assistant' ? 'assistant' : 'user';
  if (typeof message.content === 'string') {
    return { role, content: [{ type: 'text', text: message.content }] };
  }
  const content: ContentBlock[] = [];
  for (const block of Array.isArray(message.content) ? (message.content as unknown[]) : []) {
    if (!isObject(block)) {
      continue;
    }
    if (block.type === 'text') {
      content.push({ type: 'text', text: str(block.text) });
    } else if (block.type === 'tool_use') {
      content.push({ type: 'tool_use', id: str(block.id), name: str(block.name), input: block.input });
    } else if (block.type === 'tool_result') {
      content.push({
        type: 'tool_result',
        toolUseId: str(block.tool_use_id),
        content: textOf(block.content),
        ...(block.is_error === true ? { isError: true } : {}),
      });
    }
  }
  return { role, content };
}

/** Consecutive messages of one role become one (OpenAI's tool messages then the user's text). */
function mergeRoles(messages: ChatMessage[]): ChatMessage[] {
  const merged: ChatMessage[] = [];
  for (const message of messages) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.role === message.role) {
      last.content.push(...message.content);
    } else {
      merged.push({ role: message.role, content: [...message.content] });
    }
  }
  return merged;
}
