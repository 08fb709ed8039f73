/**
 * Messages between agents: `send_message` appends to `<messagesDir>/<recipient>.jsonl` (a role,
 * a task id, or "all"); `read_messages` reads what was sent to the caller's task, its role and
 * everyone. Plain files, so the engine, a resumed run and a person can all read them.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { RUNS_DIR } from '../core/runStore';
import { defineTool, ok, ToolError } from './define';
import { truncateOutput } from './sandbox';
import type { ToolContext } from './types';

export interface AgentMessage {
  id: string;
  /** ISO time it was sent. */
  at: string;
  from: { role: string; taskId: string };
  /** A role id, a task id, or "all". */
  to: string;
  subject?: string;
  body: string;
}

export const BROADCAST = 'all';

/** Where a run's messages live: `<root>/.auton/runs/<run>/messages` (ToolContext.messagesDir). */
export function runMessagesDir(root: string, runId: string): string {
  return join(root, RUNS_DIR, runId, 'messages');
}
const RECIPIENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Appends a message to its recipient's file and returns it. */
export function sendMessage(dir: string, message: Omit<AgentMessage, 'id' | 'at'>, now = new Date()): AgentMessage {
  if (!RECIPIENT.test(message.to)) {
    throw new ToolError(`"${message.to}" is not a recipient: give a role id (e.g. "developer"), a task id, or "${BROADCAST}"`);
  }
  const full: AgentMessage = { id: randomUUID(), at: now.toISOString(), ...message };
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, `${message.to}.jsonl`), `${JSON.stringify(full)}\n`);
  return full;
}

/** Messages sent to any of `recipients`, oldest first; lines that are not messages are skipped. */
export function readMessages(dir: string, recipients: string[], since?: string): AgentMessage[] {
  const out: AgentMessage[] = [];
  for (const to of new Set(recipients)) {
    if (!RECIPIENT.test(to)) continue;
    const file = join(dir, `${to}.jsonl`);
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const message = JSON.parse(line) as AgentMessage;
        if (typeof message.body === 'string' && typeof message.at === 'string' && (!since || message.at > since)) out.push(message);
      } catch {
        // A line cut short by a crash: the others still count.
      }
    }
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

function messagesDir(ctx: ToolContext): string {
  if (!ctx.messagesDir) throw new ToolError('messages are not available in this session (no run folder): say it in your reply instead');
  return ctx.messagesDir;
}

export const sendMessageTool = defineTool({
  name: 'send_message',
  description:
    `Send a message to another agent: to a role ("architect", "developer", "reviewer", ...), a task id, or "${BROADCAST}". ` +
    'Use it for interface questions, review findings, conflicts to resolve.',
  effect: 'read',
  timeoutMs: 10_000,
  input: z.strictObject({
    to: z.string().describe(`role id, task id, or "${BROADCAST}"`),
    subject: z.string().max(200).optional(),
    body: z.string().min(1).max(20_000),
  }),
  run(input, ctx) {
    const sent = sendMessage(messagesDir(ctx), {
      from: { role: ctx.role, taskId: ctx.taskId },
      to: input.to,
      ...(input.subject ? { subject: input.subject } : {}),
      body: input.body,
    });
    return ok(`sent to ${sent.to} at ${sent.at}`, sent);
  },
});

export const readMessagesTool = defineTool({
  name: 'read_messages',
  description: `Read the messages sent to your task, your role, or "${BROADCAST}", oldest first.`,
  effect: 'read',
  timeoutMs: 10_000,
  input: z.strictObject({
    since: z.iso.datetime().optional().describe('only messages sent after this ISO time (e.g. the "at" of the last one you read)'),
    limit: z.int().min(1).max(200).default(20).describe('at most this many of the latest messages (default 20)'),
  }),
  run(input, ctx) {
    const all = readMessages(messagesDir(ctx), [ctx.taskId, ctx.role, BROADCAST], input.since);
    const shown = all.slice(-input.limit);
    if (shown.length === 0) return ok(input.since ? `no messages since ${input.since}` : 'no messages', shown);
    const text = shown
      .map((m) => `[${m.at}] from ${m.from.role} (task ${m.from.taskId}) to ${m.to}${m.subject ? `: ${m.subject}` : ''}\n${m.body}`)
      .join('\n\n');
    const older = all.length - shown.length;
    return ok(`${older ? `[${older} older messages not shown]\n` : ''}${truncateOutput(text, { maxLines: 600, maxBytes: 40_000, keep: 'tail' })}`, shown);
  },
});
