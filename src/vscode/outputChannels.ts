/**
 * One log output channel per agent: "AUTON: Manager", "AUTON: Developer 1", ... fed from the
 * engine's events (agent started and finished, every tool call, every edit). Developers working
 * at once get numbered slots; a slot is reused once its developer is done.
 */
import * as vscode from 'vscode';
import { ROLES, type RoleId } from '../core/roles';

type EngineEvent = { type: string; [key: string]: unknown };

const LABELS = new Map<string, string>(ROLES.map((r) => [r.id, r.label]));

export class AgentChannels implements vscode.Disposable {
  private readonly channels = new Map<string, vscode.LogOutputChannel>();
  /** Developer slot (1, 2, ...) of each task a developer works on now. */
  private readonly slots = new Map<string, number>();

  /** The agent name shown for a role on a task, e.g. "Developer 2". */
  agentName(role: string, task?: string): string {
    const label = LABELS.get(role) ?? role;
    if (role !== 'developer' || task === undefined) return label;
    const slot = this.slots.get(task);
    return slot === undefined ? label : `${label} ${slot}`;
  }

  /** The channel of an agent by its name ("Developer 1"), created on first use. */
  channel(name: string): vscode.LogOutputChannel {
    let channel = this.channels.get(name);
    if (channel === undefined) {
      channel = vscode.window.createOutputChannel(`AUTON: ${name}`, { log: true });
      this.channels.set(name, channel);
    }
    return channel;
  }

  /** The channel of a role (its first developer slot for developers). */
  roleChannel(role: RoleId): vscode.LogOutputChannel {
    return this.channel(role === 'developer' ? 'Developer 1' : (LABELS.get(role) ?? role));
  }

  /** Names of the channels created so far. */
  names(): string[] {
    return [...this.channels.keys()];
  }

  /** Routes one engine event to its agent's channel. */
  feed(event: EngineEvent): void {
    const role = typeof event.role === 'string' ? event.role : undefined;
    const task = typeof event.task === 'string' ? event.task : undefined;
    if (role === undefined) return;
    if (event.type === 'agent.started' && role === 'developer' && task !== undefined && !this.slots.has(task)) {
      const used = new Set(this.slots.values());
      let slot = 1;
      while (used.has(slot)) slot++;
      this.slots.set(task, slot);
    }
    const channel = this.channel(this.agentName(role, task));
    const on = task === undefined || task.startsWith('_') ? '' : ` on ${task}`;
    switch (event.type) {
      case 'agent.started':
        channel.info(`started${on} with ${String(event.model)}`);
        break;
      case 'agent.finished':
        if (event.ok === true) channel.info(`finished${on} after ${String(event.turns)} turn(s): ${summary(event.output)}`);
        else channel.error(`failed${on} after ${String(event.turns)} turn(s) (${String(event.kind)}): ${String(event.reason)}`);
        if (role === 'developer' && task !== undefined) this.slots.delete(task);
        break;
      case 'tool':
        {
          const line = `${String(event.name)}${on} ${String(event.input)} -> ${firstLine(String(event.output))}`;
          if (event.ok === true) channel.info(line);
          else channel.warn(line);
        }
        break;
      case 'edit':
        channel.info(`${String(event.kind)} ${String(event.path)}${on}`);
        break;
      default:
        break;
    }
  }

  dispose(): void {
    for (const channel of this.channels.values()) channel.dispose();
    this.channels.clear();
  }
}

function summary(output: unknown): string {
  if (typeof output === 'object' && output !== null) {
    const o = output as Record<string, unknown>;
    const text = o.summary ?? o.analysis ?? o.notes ?? o.verdict;
    if (typeof text === 'string') return firstLine(text);
  }
  return firstLine(JSON.stringify(output) ?? '');
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
