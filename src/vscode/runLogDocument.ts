/**
 * Read-only documents of a run's log (`.auton/runs/<id>/events.jsonl`), one line per event, for
 * the whole run or one task: `auton-log:/<run>/<task or "run">.log?<repository root>`. Open
 * documents of a live run follow its events.
 */
import * as vscode from 'vscode';
import { RunLog, type RunEvent } from '../core/runLog';

export const LOG_SCHEME = 'auton-log';

export function runLogUri(root: string, runId: string, taskId?: string): vscode.Uri {
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${runId}/${taskId ?? 'run'}.log`, query: root });
}

export class RunLogDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  provideTextDocumentContent(uri: vscode.Uri): string {
    const [, runId = '', file = ''] = uri.path.split('/');
    const taskId = file === 'run.log' ? undefined : file.replace(/\.log$/, '');
    const log = new RunLog(uri.query, runId);
    const events = log.exists() ? log.read() : [];
    const shown = taskId === undefined ? events : events.filter((e) => e.task === taskId);
    const head = `# AUTON run ${runId}${taskId === undefined ? '' : `, task ${taskId}`}: ${shown.length} event(s) from ${log.eventsFile}\n`;
    return head + shown.map(formatEvent).join('\n') + '\n';
  }

  /** A run's log grew: refresh its open documents (at most every 250 ms). */
  runChanged(runId: string): void {
    this.dirty.add(runId);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      for (const doc of vscode.workspace.textDocuments) {
        if (doc.uri.scheme === LOG_SCHEME && this.dirty.has(doc.uri.path.split('/')[1] ?? '')) this.changed.fire(doc.uri);
      }
      this.dirty.clear();
    }, 250);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.changed.dispose();
  }
}

/** `12:03:04.567 gate       build ok  t1 developer: built on every target arch` */
export function formatEvent(e: RunEvent): string {
  const time = e.t.slice(11, 23);
  const { type, task, role, ...rest } = e;
  const who = [task, role].filter((x) => typeof x === 'string').join(' ');
  const detail = Object.entries(rest)
    .filter(([key]) => key !== 'ledger' && key !== 't')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value.split('\n')[0] : JSON.stringify(value)}`)
    .join(' ');
  return `${time} ${type.padEnd(15)} ${who ? `[${who}] ` : ''}${detail}`.slice(0, 2000);
}
