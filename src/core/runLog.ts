/**
 * The run's memory: `.auton/runs/<id>/events.jsonl`, one JSON event per line,
 * appended as things happen (so a killed run loses at most the step in
 * flight), and `state.json`, a snapshot for the task tree and `auton status`,
 * replaced atomically. Secrets are redacted before anything is written.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactSecrets } from '../llm/redact';
import { RUNS_DIR } from './runStore';

export interface RunEvent {
  /** ISO time. */
  t: string;
  type: string;
  [key: string]: unknown;
}

export type Redactor = (text: string) => string;

export function runDir(repoRoot: string, runId: string): string {
  return join(repoRoot, RUNS_DIR, runId);
}

export class RunLog {
  readonly dir: string;
  readonly eventsFile: string;
  readonly stateFile: string;

  constructor(repoRoot: string, readonly runId: string, private readonly redact: Redactor = (text) => redactSecrets(text)) {
    this.dir = runDir(repoRoot, runId);
    this.eventsFile = join(this.dir, 'events.jsonl');
    this.stateFile = join(this.dir, 'state.json');
    mkdirSync(this.dir, { recursive: true });
  }

  append(type: string, data: Record<string, unknown> = {}): RunEvent {
    const event: RunEvent = { t: new Date().toISOString(), type, ...data };
    appendFileSync(this.eventsFile, `${this.redact(JSON.stringify(event))}\n`);
    return event;
  }

  writeState(state: unknown): void {
    const tmp = `${this.stateFile}.tmp`;
    writeFileSync(tmp, `${this.redact(JSON.stringify(state, null, 2))}\n`);
    renameSync(tmp, this.stateFile);
  }

  exists(): boolean {
    return existsSync(this.eventsFile);
  }

  /** Every event; a torn last line (the process died mid-write) is dropped. */
  read(): RunEvent[] {
    if (!existsSync(this.eventsFile)) return [];
    const out: RunEvent[] = [];
    const lines = readFileSync(this.eventsFile, 'utf8').split('\n');
    for (const [i, line] of lines.entries()) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as RunEvent);
      } catch {
        if (i < lines.length - 2) throw new Error(`${this.eventsFile}: line ${i + 1} is not JSON; the log is damaged`);
      }
    }
    return out;
  }
}

/** A run id that sorts by time: 20261126-034512-3f9a. */
export function newRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${stamp}-${Math.random().toString(16).slice(2, 6)}`;
}
