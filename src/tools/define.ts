/**
 * How a tool is written: a zod schema for its input (which also gives the JSON Schema the model
 * sees) and a typed `run`. The wrapper validates the input and turns every failure into a result
 * the model can read, so no tool ever throws at its caller.
 */
import { z } from 'zod';
import { SandboxError } from './sandbox';
import type { Tool, ToolContext, ToolResult } from './types';

/** A failure the model caused and can fix; its message is shown as it is. */
export class ToolError extends Error {
  constructor(message: string, readonly data?: unknown) {
    super(message);
    this.name = 'ToolError';
  }
}

export interface ToolDefinition<S extends z.ZodType> {
  name: string;
  description: string;
  effect: Tool['effect'];
  timeoutMs: number;
  input: S;
  run(input: z.output<S>, ctx: ToolContext): ToolResult | Promise<ToolResult>;
}

export function ok(output: string, data?: unknown): ToolResult {
  return data === undefined ? { ok: true, output } : { ok: true, output, data };
}

export function fail(output: string, data?: unknown): ToolResult {
  return data === undefined ? { ok: false, output } : { ok: false, output, data };
}

export function defineTool<S extends z.ZodType>(def: ToolDefinition<S>): Tool {
  const inputSchema = jsonSchemaOf(def.input);
  return {
    spec: { name: def.name, description: def.description, inputSchema },
    effect: def.effect,
    timeoutMs: def.timeoutMs,
    async run(input: unknown, ctx: ToolContext): Promise<ToolResult> {
      const usage = `call it as ${signatureOf(def.name, inputSchema)}`;
      if (isInvalidJson(input)) {
        return fail(
          `the arguments for ${def.name} were not valid JSON (${clip(input.__invalid_json, 200)}): ${usage}, with a JSON object`,
        );
      }
      const parsed = def.input.safeParse(input ?? {});
      if (!parsed.success) {
        return fail(`invalid input for ${def.name}:\n${z.prettifyError(parsed.error)}\n${usage}`);
      }
      try {
        return await def.run(parsed.data, ctx);
      } catch (error) {
        return errorResult(def.name, error);
      }
    },
  };
}

/** The result for an error thrown inside a tool: expected errors as they are, others with the tool's name. */
export function errorResult(toolName: string, error: unknown): ToolResult {
  if (error instanceof ToolError) return fail(error.message, error.data);
  if (error instanceof SandboxError) return fail(error.message);
  return fail(`${toolName} failed: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * The JSON Schema of a tool's input, as providers want it: what the caller may send (defaults
 * optional), without the `$schema` key and without zod's safe-integer bounds.
 */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  delete json.$schema;
  return stripSafeIntegerBounds(json) as Record<string, unknown>;
}

function stripSafeIntegerBounds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSafeIntegerBounds);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if ((key === 'maximum' && v === Number.MAX_SAFE_INTEGER) || (key === 'minimum' && v === Number.MIN_SAFE_INTEGER)) continue;
    out[key] = stripSafeIntegerBounds(v);
  }
  return out;
}

/** `read_file({ path: string, start_line?: integer })`, for error messages. */
export function signatureOf(name: string, schema: Record<string, unknown>): string {
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((schema.required ?? []) as string[]);
  const fields = Object.entries(properties).map(([key, prop]) => {
    const type = Array.isArray(prop.enum)
      ? prop.enum.map((e) => JSON.stringify(e)).join(' | ')
      : typeof prop.type === 'string' ? prop.type : 'value';
    return `${key}${required.has(key) ? '' : '?'}: ${type}`;
  });
  return `${name}({ ${fields.join(', ')} })`;
}

function isInvalidJson(input: unknown): input is { __invalid_json: string } {
  return typeof input === 'object' && input !== null && typeof (input as Record<string, unknown>).__invalid_json === 'string';
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}
