/**
 * Runs the orchestration engine in the extension host: "Run Goal" (goal, architecture and model
 * asked for, or passed as arguments), a cancellable progress notification, Stop, Resume, Retry of
 * a failed task, one role alone on a prompt, and error notifications whose button fixes the
 * cause (a key, the settings, the kernel toolchain). Keys come from VS Code's secret storage,
 * base URLs from the same environment variables the CLI reads (ANTHROPIC_BASE_URL, ...).
 * Engine events feed the task tree, the agents' output channels and the status bar as they
 * happen. One run at a time per window.
 */
import * as vscode from 'vscode';
import type { AgentOutcome } from '../agents/agentLoop';
import { ARCH_CHOICES, formatProblem, type AutonConfig, type ConfigLayer, type ConfigResult } from '../core/config';
import type { Engine, RunOutcome } from '../core/engine';
import type { EngineDeps } from '../core/engineDeps';
import { ROLES, type RoleId } from '../core/roles';
import { newRunId, RunLog } from '../core/runLog';
import { listRuns } from '../core/runStore';
import { ARCHES, type Arch } from '../kernel/arches';
import { checkToolchain } from '../kernel/toolchain';
import { DEFAULT_PRICES } from '../llm/pricing';
import { formatModelRef, parseModelRef, type ProviderId } from '../llm/providers';
import { getApiKey } from './apiKeys';
import { COMMANDS } from './contributions';
import type * as EngineModule from './engineBundle';
import type { AgentChannels } from './outputChannels';
import type { Decision, ReviewController } from './review';
import { classifyRunProblem, toolchainText, type RunProblem } from './runErrors';
import type { RunLogDocuments } from './runLogDocument';
import { readConfig } from './settings';
import { OPEN_AUTON_SETTINGS, type AutonStatusBar } from './statusBar';
import { formatUsd, type TaskTreeProvider } from './taskTree';

export interface RunGoalArgs {
  goal?: string;
  /** `provider/model` for every role without its own setting; default the setting. */
  model?: string;
  /** x86_64, aarch64, riscv64 or all; default the setting. */
  arch?: string;
}

/** A notification shown, as the tests read them back. */
export interface ShownNotification {
  readonly severity: 'info' | 'warning' | 'error';
  readonly message: string;
  readonly buttons: readonly string[];
}

interface LiveRun {
  readonly engine: Engine;
  readonly root: string;
  readonly goal: string;
  readonly done: Promise<RunOutcome | undefined>;
  usd: number;
  stopping: boolean;
}

const GOAL_HISTORY_KEY = 'auton.goalHistory';
const HISTORY_SIZE = 20;

export interface RunControllerDeps {
  readonly extension: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly tree: TaskTreeProvider;
  readonly channels: AgentChannels;
  readonly statusBar: AutonStatusBar;
  readonly logDocs: RunLogDocuments;
  readonly review: ReviewController | undefined;
  /** dist/engine.js: the engine, loaded at the first run. */
  readonly engineBundle: string;
}

export class RunController implements vscode.Disposable {
  private live: LiveRun | undefined;
  /** Decisions waiting in human review mode when the inline review is not available. */
  private readonly waiting = new Map<string, { diff: string; resolve: (d: Decision) => void }>();
  private readonly shown: ShownNotification[] = [];

  constructor(private readonly d: RunControllerDeps) {
    d.tree.setLive({
      agentName: (runId, role, taskId) => (this.live?.engine.id === runId ? d.channels.agentName(role, taskId) : undefined),
    });
  }

  /** The run going on in this window, if any. */
  get current(): { runId: string; root: string; done: Promise<RunOutcome | undefined> } | undefined {
    const live = this.live;
    return live === undefined ? undefined : { runId: live.engine.id, root: live.root, done: live.done };
  }

  private engine(): typeof EngineModule {
    // Loaded here, not imported: the engine is its own bundle, read only when a run starts.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(this.d.engineBundle) as typeof EngineModule;
  }

  notifications(): readonly ShownNotification[] {
    return [...this.shown];
  }

  // ---- Run Goal -----------------------------------------------------------

  async runGoal(args: RunGoalArgs = {}): Promise<RunOutcome | undefined> {
    if (this.busy()) return undefined;
    const root = this.repoRoot();
    if (root === undefined) return undefined;
    const goal = args.goal?.trim() || (await this.askGoal());
    if (!goal) return undefined;
    const arch = args.arch ?? (await this.pickArch());
    if (arch === undefined) return undefined;
    const model = args.model ?? (await this.pickModel());
    if (model === undefined) return undefined;
    await this.remember(goal);
    const overrides: ConfigLayer = { source: 'Run Goal', values: { 'models.default': model, 'kernel.arch': arch } };
    const config = this.configFor(overrides);
    if (config === undefined) return undefined;
    return this.start(root, config, goal, (engine) => engine.run(goal));
  }

  /** Resumes a stopped or failed run (asked for when not given); `retry` names failed tasks to try again. */
  async resume(runId?: string, retry: readonly string[] = []): Promise<RunOutcome | undefined> {
    if (this.busy()) return undefined;
    const root = this.repoRoot();
    if (root === undefined) return undefined;
    const id = runId ?? (await this.pickRun(root));
    if (id === undefined) return undefined;
    const run = listRuns(root).find((r) => r.id === id);
    const log = new RunLog(root, id);
    if (run === undefined || !log.exists()) {
      this.notify('error', `AUTON: there is no run "${id}" in ${root}.`);
      return undefined;
    }
    if (log.read().find((e) => e.type === 'run.started')?.team === 'slm') {
      this.notify('error', `AUTON: run ${id} is an SLM team run; resume it with "auton slm resume ${id}" in a terminal.`);
      return undefined;
    }
    const config = this.configFor();
    if (config === undefined) return undefined;
    return this.start(root, config, run.goal, (engine) => engine.resume(id, { retry }));
  }

  /** Puts a failed task back in line: resumes its run with the task retried. */
  async retryTask(runId: string, taskId: string): Promise<RunOutcome | undefined> {
    if (this.live?.engine.id === runId) {
      this.notify('warning', `AUTON: run ${runId} is still going; stop it (or let it end) before retrying ${taskId}.`);
      return undefined;
    }
    return this.resume(runId, [taskId]);
  }

  /** Stops the run in progress; false when there is none. */
  stop(reason = 'stopped by the user'): boolean {
    const live = this.live;
    if (live === undefined) {
      this.notify('info', 'AUTON: no run is in progress in this window.');
      return false;
    }
    live.stopping = true;
    live.engine.stop(reason);
    this.d.log.info(`stopping run ${live.engine.id}: ${reason}`);
    this.d.statusBar.setRun({ runId: live.engine.id, goal: live.goal, status: 'stopping', usd: live.usd });
    return true;
  }

  private busy(): boolean {
    if (this.live === undefined) return false;
    this.notify('warning', `AUTON: run ${this.live.engine.id} is in progress; stop it first.`, ['Stop Run']).then((choice) => {
      if (choice === 'Stop Run') this.stop();
    });
    return true;
  }

  private async start(root: string, config: AutonConfig, goal: string, body: (engine: Engine) => Promise<RunOutcome>): Promise<RunOutcome | undefined> {
    const arches: Arch[] = config.kernel.arch === 'all' ? [...ARCHES] : [config.kernel.arch];
    const tools = checkToolchain(arches, ['build', 'boot']);
    if (!tools.ok) {
      this.problem({ kind: 'toolchain', message: `the kernel toolchain is missing ${tools.missing.map((t) => t.name).join(', ')}` }, tools);
      return undefined;
    }
    let progressLine: (line: string) => void = () => undefined;
    const { createEngineDeps, Engine } = this.engine();
    let deps: EngineDeps;
    try {
      deps = await createEngineDeps({
        repoRoot: root,
        config,
        arches,
        env: process.env,
        getSecret: (provider: ProviderId) => getApiKey(this.d.extension.secrets, provider),
        onProgress: (line) => {
          this.d.log.info(line);
          progressLine(line);
        },
        onEvent: (event) => this.onEvent(event),
        awaitDecision: config.reviewMode === 'human' ? (runId, taskId, diff) => this.awaitDecision(runId, taskId, diff) : undefined,
      });
    } catch (error) {
      this.problem(classifyRunProblem(error));
      return undefined;
    }
    const engine = new Engine(deps);
    this.d.tree.addRoot(deps.repoRoot);
    const started = body(engine);
    const live: LiveRun = { engine, root: deps.repoRoot, goal, done: started.catch(() => undefined), usd: 0, stopping: false };
    this.live = live;
    void vscode.commands.executeCommand('setContext', 'auton.runActive', true);
    this.d.statusBar.setRun({ runId: engine.id, goal, status: 'running', usd: 0 });
    const title = `AUTON: ${goal.length > 60 ? `${goal.slice(0, 60)}…` : goal}`;
    let outcome: RunOutcome | undefined;
    let failure: unknown;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      progressLine = (line) => progress.report({ message: line });
      const cancel = token.onCancellationRequested(() => this.stop('cancelled from the progress notification'));
      try {
        outcome = await started;
      } catch (error) {
        failure = error;
      } finally {
        cancel.dispose();
        progressLine = () => undefined;
      }
    });
    this.live = undefined;
    void vscode.commands.executeCommand('setContext', 'auton.runActive', false);
    for (const key of [...this.waiting.keys()]) if (key.startsWith(`${engine.id}/`)) this.waiting.delete(key);
    this.d.tree.refreshSoon();
    if (outcome === undefined) {
      this.d.statusBar.setRun({ runId: engine.id, goal, status: 'failed', usd: live.usd });
      this.problem(classifyRunProblem(failure));
      return undefined;
    }
    this.d.statusBar.setRun({ runId: outcome.runId, goal, status: outcome.status, usd: outcome.usage.usd });
    this.report(outcome, deps.repoRoot);
    return outcome;
  }

  private onEvent(event: { type: string; [key: string]: unknown }): void {
    const live = this.live;
    const runId = live?.engine.id;
    if (live === undefined || runId === undefined) return;
    this.d.tree.noteEvent(runId, event);
    this.d.channels.feed(event);
    this.d.logDocs.runChanged(runId);
    if (event.type === 'usage') {
      const budget = event.budget as { usd?: number } | undefined;
      live.usd = budget?.usd ?? live.usd;
      this.d.statusBar.setRun({ runId, goal: live.goal, status: live.stopping ? 'stopping' : 'running', usd: live.usd });
    }
  }

  private report(outcome: RunOutcome, root: string): void {
    const spent = `${formatUsd(outcome.usage.usd)} spent`;
    if (outcome.status === 'succeeded') {
      this.notify('info', `AUTON: run ${outcome.runId} succeeded: ${outcome.reason} (${spent}). Review it with "git diff HEAD...${outcome.integrationBranch}".`, ['Show Run Log'])
        .then((choice) => choice && this.showLog(root, outcome.runId));
    } else if (outcome.status === 'stopped') {
      this.notify('info', `AUTON: run ${outcome.runId} stopped: ${outcome.reason} (${spent}). It can be resumed.`, ['Resume Run'])
        .then((choice) => choice && vscode.commands.executeCommand(COMMANDS.resumeRun, outcome.runId));
    } else {
      this.problem(classifyRunProblem(`run ${outcome.runId} failed: ${outcome.reason}`), undefined, { root, runId: outcome.runId });
    }
  }

  /** An error notification whose button fixes the cause where one exists. */
  private problem(problem: RunProblem, tools?: ReturnType<typeof checkToolchain>, run?: { root: string; runId: string }): void {
    this.d.log.error(problem.message);
    switch (problem.kind) {
      case 'no-key':
        void this.notify('error', `AUTON: ${problem.message}`, ['Set API Key']).then((choice) => {
          if (choice) void vscode.commands.executeCommand(COMMANDS.setApiKey, problem.provider);
        });
        return;
      case 'unreachable':
        void this.notify('error', `AUTON: the model could not be reached: ${problem.message}. Check the model settings and the provider's base URL.`, ['Open Settings'])
          .then((choice) => choice && vscode.commands.executeCommand(OPEN_AUTON_SETTINGS.command, ...OPEN_AUTON_SETTINGS.arguments));
        return;
      case 'toolchain':
        void this.notify('error', `AUTON: ${problem.message}; agents build and boot the kernel with them.`, ['Show install command']).then(async (choice) => {
          if (choice && tools) {
            const doc = await vscode.workspace.openTextDocument({ content: toolchainText(tools), language: 'markdown' });
            await vscode.window.showTextDocument(doc);
          }
        });
        return;
      case 'other':
        void this.notify('error', `AUTON: ${problem.message}`, run ? ['Show Run Log'] : []).then((choice) => {
          if (choice && run) void this.showLog(run.root, run.runId);
        });
        return;
    }
  }

  private notify(severity: ShownNotification['severity'], message: string, buttons: string[] = []): Thenable<string | undefined> {
    this.shown.push({ severity, message, buttons });
    const show = severity === 'error' ? vscode.window.showErrorMessage : severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    return show(message, ...buttons);
  }

  // ---- human review -------------------------------------------------------

  private awaitDecision(runId: string, taskId: string, diff: string): Promise<Decision> {
    if (this.d.review !== undefined) return this.d.review.awaitDecision(runId, taskId, diff);
    return new Promise((resolve) => {
      this.waiting.set(`${runId}/${taskId}`, { diff, resolve });
      this.d.tree.refreshSoon();
      void this.notify('info', `AUTON: task ${taskId} passed every gate and waits for your decision.`, ['Review Changes']).then((choice) => {
        if (choice) void this.openReview(runId, taskId);
      });
    });
  }

  async openReview(runId: string, taskId: string): Promise<void> {
    if (this.d.review !== undefined) return this.d.review.open(runId, taskId);
    const waiting = this.waiting.get(`${runId}/${taskId}`);
    if (waiting === undefined) {
      void this.notify('info', `AUTON: task ${taskId} is not waiting for a review.`);
      return;
    }
    const doc = await vscode.workspace.openTextDocument({ content: waiting.diff, language: 'diff' });
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  decide(runId: string, taskId: string, accept: boolean, comment?: string): boolean {
    if (this.d.review !== undefined) return this.d.review.decideAll(runId, taskId, accept, comment);
    const waiting = this.waiting.get(`${runId}/${taskId}`);
    if (waiting === undefined) return false;
    this.waiting.delete(`${runId}/${taskId}`);
    waiting.resolve(comment === undefined ? { accept } : { accept, comment });
    return true;
  }

  // ---- a role alone -------------------------------------------------------

  /** Runs one role on a prompt in a worktree of its own (never your checkout); output in its channel. */
  async runRole(role: RoleId, promptArg?: string): Promise<AgentOutcome<unknown> | undefined> {
    const root = this.repoRoot();
    if (root === undefined) return undefined;
    const info = ROLES.find((r) => r.id === role) ?? { label: role, does: 'works on it' };
    const prompt = promptArg?.trim() || (await vscode.window.showInputBox({
      title: `AUTON: Run ${info.label} Alone`,
      prompt: `A task or goal for the ${info.label} (it ${info.does}). It works in a worktree of its own; your checkout is not touched.`,
      ignoreFocusOut: true,
      validateInput: (text) => (text.trim() === '' ? 'Say what the agent should do.' : undefined),
    }))?.trim();
    if (!prompt) return undefined;
    const config = this.configFor();
    if (config === undefined) return undefined;
    const channel = this.d.channels.roleChannel(role);
    const { createEngineDeps, runAgent, AGENTS } = this.engine();
    let deps: EngineDeps;
    try {
      deps = await createEngineDeps({
        repoRoot: root, config, env: process.env,
        getSecret: (provider: ProviderId) => getApiKey(this.d.extension.secrets, provider),
      });
    } catch (error) {
      this.problem(classifyRunProblem(error));
      return undefined;
    }
    const id = `${newRunId()}-${role}`;
    const base = await deps.workspace.userHead();
    const work = await deps.workspace.integration(id, base);
    const llm = deps.llmFor(role);
    const tools = deps.tools.toolsFor(role);
    const abort = new AbortController();
    let usd = 0;
    channel.show(true);
    channel.info(`${info.label} alone with ${llm.id} in ${work.path} (branch ${work.branch}): ${prompt}`);
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `AUTON: ${info.label} alone`, cancellable: true },
      (progress, token) => {
        token.onCancellationRequested(() => abort.abort());
        return runAgent(AGENTS[role], {
          llm, tools, prompt, signal: abort.signal,
          ctx: { root: work.path, runId: id, taskId: `_${role}`, role, arches: [...deps.settings.arches], signal: abort.signal, shellAllowlist: deps.settings.shellAllowlist },
          runTool: (t, name, input, ctx) => deps.tools.runTool(t, name, input, ctx),
          onResponse: (r) => {
            usd += r.costUsd;
            progress.report({ message: `${formatUsd(usd)} spent` });
          },
          onToolCall: (name, input, result) => {
            const line = `${name} ${JSON.stringify(input)?.slice(0, 300) ?? ''} -> ${result.output.split('\n')[0]?.slice(0, 200) ?? ''}`;
            if (result.ok) channel.info(line);
            else channel.warn(line);
          },
        });
      },
    );
    const commit = await deps.workspace.commitAll(work.path, `${role} alone: ${prompt.slice(0, 60)}`, role);
    if (outcome.ok) {
      channel.info(`result (${outcome.turns} turn(s), ${formatUsd(usd)}): ${JSON.stringify(outcome.output, null, 2)}`);
      void this.notify('info', `AUTON: the ${info.label} finished in ${outcome.turns} turn(s) (${formatUsd(usd)}).${commit ? ` Its changes are on branch ${work.branch}.` : ''}`);
    } else {
      channel.error(`${outcome.kind}: ${outcome.reason}`);
      if (outcome.kind !== 'cancelled') this.problem(classifyRunProblem(`the ${info.label} failed: ${outcome.reason}`));
    }
    return outcome;
  }

  // ---- choices ------------------------------------------------------------

  private repoRoot(): string | undefined {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) {
      void this.notify('warning', 'AUTON: open the folder of your kernel repository first (a git repository with kernels/ in it).', ['Open Folder'])
        .then((choice) => choice && vscode.commands.executeCommand('vscode.openFolder'));
      return undefined;
    }
    return folders[0]!.uri.fsPath;
  }

  private configFor(...layers: ConfigLayer[]): AutonConfig | undefined {
    const result: ConfigResult = readConfig(layers);
    const mine = result.problems.filter((p) => p.source === 'Run Goal');
    if (mine.length > 0) {
      void this.notify('error', `AUTON: ${mine.map(formatProblem).join('; ')}`);
      return undefined;
    }
    return result.config;
  }

  private history(): string[] {
    return this.d.extension.globalState.get<string[]>(GOAL_HISTORY_KEY, []);
  }

  private async remember(goal: string): Promise<void> {
    const history = [goal, ...this.history().filter((g) => g !== goal)].slice(0, HISTORY_SIZE);
    await this.d.extension.globalState.update(GOAL_HISTORY_KEY, history);
  }

  /** An input box with the goals given before listed beneath it. */
  private askGoal(): Promise<string | undefined> {
    const history = this.history();
    const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { goal: string }>();
    pick.title = 'AUTON: Run Goal (1/3)';
    pick.placeholder = 'What should the agents build? e.g. "add a buddy page allocator with KTAP tests"';
    pick.ignoreFocusOut = true;
    pick.matchOnDescription = false;
    const past = history.map((goal) => ({ label: goal, description: 'earlier goal', goal }));
    const refresh = () => {
      const typed = pick.value.trim();
      pick.items = typed === '' ? past : [{ label: typed, description: 'new goal', goal: typed, alwaysShow: true }, ...past.filter((p) => p.goal !== typed)];
    };
    refresh();
    return new Promise((resolve) => {
      pick.onDidChangeValue(refresh);
      pick.onDidAccept(() => {
        const chosen = pick.selectedItems[0]?.goal ?? pick.value.trim();
        resolve(chosen === '' ? undefined : chosen);
        pick.hide();
      });
      pick.onDidHide(() => {
        resolve(undefined);
        pick.dispose();
      });
      pick.show();
    });
  }

  private async pickArch(): Promise<string | undefined> {
    const current = readConfig().config.kernel.arch;
    const items = [current, ...ARCH_CHOICES.filter((a) => a !== current)].map((arch) => ({
      label: arch,
      description: arch === current ? 'auton.kernel.arch' : arch === 'all' ? 'every architecture' : undefined,
    }));
    return (await vscode.window.showQuickPick(items, { title: 'AUTON: Run Goal (2/3): target architecture', ignoreFocusOut: true }))?.label;
  }

  /** The default model first, the role models next, then the models with known prices; or any typed `provider/model`. */
  private pickModel(): Promise<string | undefined> {
    const config = readConfig().config;
    const def = formatModelRef(config.models.default);
    const roles = [...new Set(Object.values(config.models.roles).map(formatModelRef))].filter((m) => m !== def);
    const known = Object.keys(DEFAULT_PRICES).filter((m) => m !== def && !roles.includes(m));
    const items: vscode.QuickPickItem[] = [
      { label: def, description: 'auton.models.default' },
      ...roles.map((m) => ({ label: m, description: 'a role model' })),
      { label: 'known models', kind: vscode.QuickPickItemKind.Separator },
      ...known.map((m) => ({ label: m })),
    ];
    const pick = vscode.window.createQuickPick();
    pick.title = 'AUTON: Run Goal (3/3): model for every role without its own setting';
    pick.placeholder = 'provider/model; type any other one';
    pick.ignoreFocusOut = true;
    pick.items = items;
    return new Promise((resolve) => {
      pick.onDidChangeValue((value) => {
        const typed = value.trim();
        const custom = typed !== '' && !('error' in parseModelRef(typed)) && !items.some((i) => i.label === typed);
        pick.items = custom ? [{ label: typed, description: 'typed', alwaysShow: true }, ...items] : items;
      });
      pick.onDidAccept(() => {
        const chosen = pick.selectedItems[0]?.label;
        if (chosen === undefined) return;
        resolve(chosen);
        pick.hide();
      });
      pick.onDidHide(() => {
        resolve(undefined);
        pick.dispose();
      });
      pick.show();
    });
  }

  private async pickRun(root: string): Promise<string | undefined> {
    const runs = listRuns(root).filter((r) => r.status === 'stopped' || r.status === 'failed' || r.status === 'running');
    if (runs.length === 0) {
      void this.notify('info', 'AUTON: no stopped or failed run to resume here.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      runs.map((r) => ({ label: r.goal, description: `${r.status} · ${r.id}`, id: r.id })),
      { title: 'AUTON: Resume Run', placeHolder: 'Which run? (a "running" one was interrupted: VS Code or the CLI stopped without saying so)' },
    );
    return picked?.id;
  }

  showLog(root: string, runId: string, taskId?: string): Thenable<unknown> {
    return vscode.commands.executeCommand(COMMANDS.showRunLog, { root, runId, taskId });
  }

  dispose(): void {
    this.live?.engine.stop('VS Code is closing');
    for (const waiting of this.waiting.values()) waiting.resolve({ accept: false, comment: 'VS Code closed before a decision' });
    this.waiting.clear();
  }

  /** Tasks waiting for the user's decision (inline review or the fallback). */
  pendingDecisions(): Array<{ runId: string; taskId: string }> {
    if (this.d.review !== undefined) return this.d.review.pending();
    return [...this.waiting.keys()].map((key) => {
      const [runId = '', taskId = ''] = key.split('/');
      return { runId, taskId };
    });
  }
}
