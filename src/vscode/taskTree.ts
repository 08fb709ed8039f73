/**
 * The AUTON view's task tree: one node per run found in `.auton/runs/<id>/state.json` of each
 * workspace folder (and of each repository a run started in), its tasks beneath with a status
 * icon, the agent on it and what it cost so far, and a tooltip with its acceptance criteria and
 * last result. With a folder open but no runs it shows a single "No runs yet" item that starts a
 * goal; with no folder it is empty, so the welcome view shows.
 *
 * It refreshes from the engine's events as they happen (debounced: a burst of events is one
 * refresh) and from the file watcher for runs of other processes (the CLI). It measures how long
 * an event takes to reach the tree: from the event to the next `getChildren` VS Code makes.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as vscode from 'vscode';
import { RunLog } from '../core/runLog';
import { listRuns, type RunSnapshot, type TaskSnapshot } from '../core/runStore';
import { COMMANDS } from './contributions';

export type TaskTreeNode =
  | { readonly kind: 'run'; readonly root: string; readonly run: RunSnapshot }
  | { readonly kind: 'task'; readonly root: string; readonly run: RunSnapshot; readonly task: TaskSnapshot }
  | { readonly kind: 'empty' };

interface StatusLook {
  readonly label: string;
  readonly icon: string;
  readonly color?: string;
}

const LOOKS: Readonly<Record<string, StatusLook>> = {
  // tasks
  pending: { label: 'pending', icon: 'circle-outline' },
  ready: { label: 'ready', icon: 'circle-large-outline' },
  developing: { label: 'running', icon: 'sync~spin', color: 'charts.blue' },
  reviewing: { label: 'in review', icon: 'eye', color: 'charts.purple' },
  'awaiting-user': { label: 'awaiting your review', icon: 'eye', color: 'charts.orange' },
  testing: { label: 'testing', icon: 'beaker', color: 'charts.yellow' },
  integrating: { label: 'integrating', icon: 'git-pull-request', color: 'charts.blue' },
  merged: { label: 'merged', icon: 'git-merge', color: 'testing.iconPassed' },
  failed: { label: 'failed', icon: 'error', color: 'testing.iconFailed' },
  blocked: { label: 'blocked', icon: 'circle-slash', color: 'problemsWarningIcon.foreground' },
  interrupted: { label: 'interrupted', icon: 'debug-pause', color: 'problemsWarningIcon.foreground' },
  // runs
  running: { label: 'running', icon: 'sync~spin', color: 'charts.blue' },
  succeeded: { label: 'succeeded', icon: 'pass', color: 'testing.iconPassed' },
  stopped: { label: 'stopped', icon: 'debug-stop', color: 'problemsWarningIcon.foreground' },
  unreadable: { label: 'unreadable', icon: 'warning', color: 'problemsWarningIcon.foreground' },
};

const ACTIVE = new Set(['developing', 'reviewing', 'awaiting-user', 'testing', 'integrating']);

/** A task of a run that ended while the task was at work shows as interrupted (resume picks it up). */
function taskStatus(run: RunSnapshot, task: TaskSnapshot): string {
  return ACTIVE.has(task.status) && (run.status === 'stopped' || run.status === 'failed') ? 'interrupted' : task.status;
}

export function statusLook(status: string): StatusLook {
  return LOOKS[status] ?? { label: status, icon: 'circle-outline' };
}

function statusIcon(status: string): vscode.ThemeIcon {
  const look = statusLook(status);
  return new vscode.ThemeIcon(look.icon, look.color === undefined ? undefined : new vscode.ThemeColor(look.color));
}

export function formatUsd(usd: number): string {
  return `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

type EngineEvent = { type: string; t?: string; [key: string]: unknown };

/** The live side the tree asks: which agent works on a task of a run in progress. */
export interface LiveRuns {
  agentName(runId: string, role: string, taskId: string): string | undefined;
}

/** Event-to-tree latencies in milliseconds, as measured. */
export interface TreeLatency {
  readonly samples: readonly number[];
}

const DEBOUNCE_MS = 25;

export class TaskTreeProvider implements vscode.TreeDataProvider<TaskTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly roots = new Set<string>();
  /** Last result (gate verdict, agent outcome) per `run/task`, from the events seen live. */
  private readonly lastResults = new Map<string, string>();
  /** Runs whose log was read for last results, with the log's size then. */
  private readonly loaded = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  /** performance.now() of the oldest event not yet seen by getChildren. */
  private pendingSince: number | undefined;
  private readonly latencies: number[] = [];
  private live: LiveRuns | undefined;
  /** Whether VS Code shows the tree (a hidden tree is not asked for children, so not timed). */
  isVisible: () => boolean = () => true;

  /** Where a run outside the workspace folders lives (the repository a run started in). */
  addRoot(root: string): void {
    if (!this.roots.has(root)) {
      this.roots.add(root);
      this.refresh();
    }
  }

  setLive(live: LiveRuns): void {
    this.live = live;
  }

  refresh(): void {
    this.changed.fire();
  }

  /** An engine event: remember its result for the tooltips and refresh soon. */
  noteEvent(runId: string, event: EngineEvent): void {
    const task = typeof event.task === 'string' ? event.task : undefined;
    if (task !== undefined) {
      const result = resultOf(event);
      if (result !== undefined) this.lastResults.set(`${runId}/${task}`, result);
    }
    // Tool calls, edits and usage do not change state.json; the rest do.
    if (event.type === 'tool' || event.type === 'edit') return;
    this.refreshSoon();
  }

  /** A debounced refresh; the latency clock starts at the first request. */
  refreshSoon(): void {
    if (this.isVisible()) this.pendingSince ??= performance.now();
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh();
    }, DEBOUNCE_MS);
  }

  latency(): TreeLatency {
    return { samples: [...this.latencies] };
  }

  private workspaceRoots(): string[] {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    return [...new Set([...folders, ...this.roots])];
  }

  getChildren(node?: TaskTreeNode): TaskTreeNode[] {
    if (node === undefined) {
      const roots = this.workspaceRoots();
      if (roots.length === 0) {
        return [];
      }
      const runs = roots.flatMap((root) => listRuns(root).map((run) => ({ kind: 'run' as const, root, run })));
      if (this.pendingSince !== undefined) {
        this.latencies.push(performance.now() - this.pendingSince);
        this.pendingSince = undefined;
      }
      return runs.length === 0 ? [{ kind: 'empty' }] : runs;
    }
    if (node.kind === 'run') {
      return node.run.tasks.map((task) => ({ kind: 'task', root: node.root, run: node.run, task }));
    }
    return [];
  }

  getTreeItem(node: TaskTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'empty': {
        const item = new vscode.TreeItem('No runs yet');
        item.description = 'Run Goal to start one';
        item.iconPath = new vscode.ThemeIcon('play');
        item.command = { command: COMMANDS.runGoal, title: 'Run Goal' };
        return item;
      }
      case 'run': {
        const { run } = node;
        const state = run.tasks.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None;
        const item = new vscode.TreeItem(run.goal, state);
        // A new id once the plan is in, so VS Code shows the run expanded (it remembers per id).
        item.id = `${node.root}#${run.id}${run.tasks.length > 0 ? '#planned' : ''}`;
        const merged = run.tasks.filter((t) => t.status === 'merged').length;
        const parts = [statusLook(run.status).label];
        if (run.tasks.length > 0) parts.push(`${merged}/${run.tasks.length} merged`);
        if (run.usd !== undefined) parts.push(formatUsd(run.usd));
        parts.push(run.id);
        item.description = parts.join(' · ');
        item.tooltip = run.error === undefined ? runTooltip(run) : `${run.id}: ${run.error}`;
        item.iconPath = statusIcon(run.status);
        item.contextValue = `auton.run.${run.status}`;
        return item;
      }
      case 'task': {
        const { run, task } = node;
        const item = new vscode.TreeItem(task.title);
        item.id = `${node.root}#${run.id}/${task.id}`;
        const agent = task.role === undefined || run.status !== 'running' ? undefined : (this.live?.agentName(run.id, task.role, task.id) ?? task.role);
        const status = taskStatus(run, task);
        item.description = [statusLook(status).label, agent, task.costUsd === undefined ? undefined : formatUsd(task.costUsd)]
          .filter((p) => p !== undefined)
          .join(' · ');
        item.tooltip = this.taskTooltip(node);
        item.iconPath = statusIcon(status);
        item.contextValue = `auton.task.${status}`;
        item.command = { command: COMMANDS.showTaskLog, title: 'Show Log', arguments: [node] };
        return item;
      }
    }
  }

  /** On hover: the last result from the run's log, for runs this window did not watch live. */
  resolveTreeItem(item: vscode.TreeItem, node: TaskTreeNode): vscode.TreeItem {
    if (node.kind === 'task' && !this.lastResults.has(`${node.run.id}/${node.task.id}`)) {
      this.loadResults(node.root, node.run.id);
      item.tooltip = this.taskTooltip(node);
    }
    return item;
  }

  /** Fills the last results of a run from its log (again only when the log grew). */
  private loadResults(root: string, runId: string): void {
    const log = new RunLog(root, runId);
    if (!existsSync(log.eventsFile)) return;
    const size = statSync(log.eventsFile).size;
    if (this.loaded.get(runId) === size) return;
    this.loaded.set(runId, size);
    for (const line of readFileSync(log.eventsFile, 'utf8').split('\n')) {
      if (!line.includes('"task"')) continue;
      try {
        const event = JSON.parse(line) as EngineEvent;
        const result = resultOf(event);
        if (typeof event.task === 'string' && result !== undefined) this.lastResults.set(`${runId}/${event.task}`, result);
      } catch {
        // a torn last line
      }
    }
  }

  taskTooltip(node: Extract<TaskTreeNode, { kind: 'task' }>): vscode.MarkdownString {
    const { task } = node;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escape(task.title)}** \`${task.id}\`\n\n`);
    const look = statusLook(taskStatus(node.run, task));
    const facts = [`$(${look.icon}) ${look.label}`];
    if (task.role !== undefined) facts.push(this.live?.agentName(node.run.id, task.role, task.id) ?? task.role);
    if (task.attempts !== undefined && task.attempts > 0) facts.push(`attempt ${task.attempts}`);
    if (task.costUsd !== undefined) facts.push(`${formatUsd(task.costUsd)} so far`);
    md.appendMarkdown(`${facts.join(' · ')}\n\n`);
    md.appendMarkdown('**Acceptance criteria**\n\n');
    md.appendMarkdown(task.acceptance?.length ? `${task.acceptance.map((a) => `- ${escape(a)}`).join('\n')}\n\n` : '_none recorded_\n\n');
    const last = this.lastResults.get(`${node.run.id}/${task.id}`) ?? task.reason;
    md.appendMarkdown(`**Last result:** ${last === undefined ? '_none yet_' : escape(last)}`);
    return md;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.changed.dispose();
  }
}

function runTooltip(run: RunSnapshot): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${escape(run.goal)}**\n\nrun \`${run.id}\`: ${statusLook(run.status).label}`);
  if (run.usd !== undefined) md.appendMarkdown(`, ${formatUsd(run.usd)} spent`);
  return md;
}

/** A one-line result from a gate verdict, an agent's end or a failure; undefined for other events. */
function resultOf(event: EngineEvent): string | undefined {
  const detail = (text: unknown) => clip((typeof text === 'string' ? text : JSON.stringify(text ?? '')).split('\n')[0] ?? '');
  switch (event.type) {
    case 'gate':
      return `${String(event.gate)} gate ${event.ok === true ? 'passed' : 'failed'}: ${detail(event.detail)}`;
    case 'agent.finished': {
      if (event.ok !== true) return `${String(event.role)} failed: ${detail(event.reason)}`;
      const output = (event.output ?? {}) as Record<string, unknown>;
      return `${String(event.role)} finished: ${detail(output.summary ?? output.analysis ?? output.verdict ?? '')}`;
    }
    case 'task.state':
      return event.state === 'failed' ? `failed: ${detail(event.reason)}` : undefined;
    case 'decision':
      return `you ${event.accept === true ? 'accepted' : 'rejected'} the change${event.comment ? `: ${detail(event.comment)}` : ''}`;
    default:
      return undefined;
  }
}

function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>$]/g, (c) => `\\${c}`);
}
