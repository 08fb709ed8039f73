/**
 * One agent at work: a conversation with its model in which it calls tools
 * until it hands in its result through the `submit_result` tool, whose input
 * is the role's output schema. A result that breaks the schema is sent back
 * with the validation error, a bounded number of times; then the agent fails
 * with that reason. Every turn's usage goes to the ledger and the budget.
 */
import { z } from 'zod';
import type { ChatMessage, ChatResponse, ContentBlock, LlmClient, ToolResultBlock, ToolSpec } from '../llm/types';
import { LlmError } from '../llm/types';
import type { Tool, ToolContext, ToolResult } from '../tools/types';

export const SUBMIT_TOOL = 'submit_result';

export interface AgentDefinition<Out> {
  role: string;
  /** The system prompt: who the agent is and how it works. */
  system: string;
  output: z.ZodType<Out>;
  /** One line describing what submit_result carries. */
  outputDescription: string;
  maxTurns: number;
}

export interface AgentRunOptions {
  llm: LlmClient;
  tools: readonly Tool[];
  ctx: ToolContext;
  /** The task for this run of the agent (goal, task spec, feedback). */
  prompt: string;
  /** Times a schema-breaking result is sent back before the agent fails. */
  maxSchemaRetries?: number;
  signal?: AbortSignal;
  /** Called after every model response (usage accounting, budget checks). May throw to stop. */
  onResponse?: (response: ChatResponse) => void;
  /** Called for every tool call and its result (the run log). */
  onToolCall?: (name: string, input: unknown, result: ToolResult) => void;
  runTool: (tools: readonly Tool[], name: string, input: unknown, ctx: ToolContext) => Promise<ToolResult>;
  maxTokens?: number;
}

export type AgentOutcome<Out> =
  | { ok: true; output: Out; turns: number; transcript: ChatMessage[] }
  | { ok: false; reason: string; kind: 'schema' | 'turns' | 'llm' | 'cancelled'; turns: number; transcript: ChatMessage[] };

export class AgentStopped extends Error {
  override name = 'AgentStopped';
}

/** The error a schema problem is reported with, as the model will read it. */
export function schemaProblem(error: z.ZodError): string {
  return error.issues
    .slice(0, 8)
    .map((i) => `${i.path.length ? i.path.join('.') : '(result)'}: ${i.message}`)
    .join('; ');
}

/** Finds a JSON object in free text (a ```json block or the outermost braces). */
export function extractJson(text: string): unknown {
  const fence = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  const candidate = fence?.[1] ?? text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
  if (!candidate.trim()) return undefined;
  try {
    return JSON.parse(candidate) as unknown;
  } catch {
    return undefined;
  }
}

export async function runAgent<Out>(def: AgentDefinition<Out>, o: AgentRunOptions): Promise<AgentOutcome<Out>> {
  const submitSpec: ToolSpec = {
    name: SUBMIT_TOOL,
    description: `Hand in your final result: ${def.outputDescription}. Call it once, when you are done; it ends your turn.`,
    inputSchema: z.toJSONSchema(def.output, { io: 'input', unrepresentable: 'any' }),
  };
  const specs = [...o.tools.map((t) => t.spec), submitSpec];
  const messages: ChatMessage[] = [{ role: 'user', content: [{ type: 'text', text: o.prompt }] }];
  const maxSchemaRetries = o.maxSchemaRetries ?? 3;
  let schemaFailures = 0;
  let lastSchemaProblem = '';

  for (let turn = 1; turn <= def.maxTurns; turn++) {
    if (o.signal?.aborted) return { ok: false, kind: 'cancelled', reason: 'stopped', turns: turn - 1, transcript: messages };
    let response: ChatResponse;
    try {
      response = await o.llm.chat({
        system: def.system, messages, tools: specs, maxTokens: o.maxTokens ?? 8192, signal: o.signal, stream: true,
      });
    } catch (error) {
      if (error instanceof AgentStopped) throw error;
      if (error instanceof LlmError && error.kind === 'cancelled') {
        return { ok: false, kind: 'cancelled', reason: 'stopped', turns: turn, transcript: messages };
      }
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, kind: 'llm', reason: `${o.llm.id}: ${message}`, turns: turn, transcript: messages };
    }
    o.onResponse?.(response);
    messages.push({ role: 'assistant', content: response.content });

    const calls = response.content.filter((b): b is Extract<ContentBlock, { type: 'tool_use' }> => b.type === 'tool_use');
    const results: ToolResultBlock[] = [];
    let accepted: Out | undefined;

    if (calls.length === 0) {
      // No tool call: accept a JSON result written as text, else ask for submit_result.
      const text = response.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
      const parsed = def.output.safeParse(extractJson(text));
      if (parsed.success) return { ok: true, output: parsed.data, turns: turn, transcript: messages };
      schemaFailures++;
      lastSchemaProblem = extractJson(text) === undefined ? 'no result was submitted' : schemaProblem(parsed.error);
      if (schemaFailures > maxSchemaRetries) break;
      messages.push({
        role: 'user',
        content: [{ type: 'text', text: `You have not handed in a result (${lastSchemaProblem}). Continue the work with the tools, then call ${SUBMIT_TOOL} with ${def.outputDescription}.` }],
      });
      continue;
    }

    for (const call of calls) {
      if (call.name === SUBMIT_TOOL) {
        const parsed = def.output.safeParse(call.input);
        if (parsed.success) {
          accepted = parsed.data;
          results.push({ type: 'tool_result', toolUseId: call.id, content: 'result accepted' });
        } else {
          schemaFailures++;
          lastSchemaProblem = schemaProblem(parsed.error);
          results.push({
            type: 'tool_result', toolUseId: call.id, isError: true,
            content: `The result does not match the required schema: ${lastSchemaProblem}. Fix it and call ${SUBMIT_TOOL} again.`,
          });
        }
        continue;
      }
      const result = await o.runTool(o.tools, call.name, call.input, o.ctx);
      o.onToolCall?.(call.name, call.input, result);
      results.push({ type: 'tool_result', toolUseId: call.id, content: result.output, isError: !result.ok });
    }
    messages.push({ role: 'user', content: results });
    if (accepted !== undefined) return { ok: true, output: accepted, turns: turn, transcript: messages };
    if (schemaFailures > maxSchemaRetries) break;
  }
  if (schemaFailures > maxSchemaRetries) {
    return {
      ok: false, kind: 'schema', turns: def.maxTurns, transcript: messages,
      reason: `${def.role} never produced a valid result after ${schemaFailures} attempts: ${lastSchemaProblem}`,
    };
  }
  return { ok: false, kind: 'turns', reason: `${def.role} used all ${def.maxTurns} turns without handing in a result`, turns: def.maxTurns, transcript: messages };
}
