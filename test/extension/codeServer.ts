/**
 * code-server (VS Code 1.100.3 served to a browser) and Debian's Chromium driven by
 * playwright-core: the real VS Code the extension tests run in, with nothing downloaded at
 * run time except code-server itself from the npm registry. Everything lives under
 * `.test-tmp/` in the clone.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const ROOT = resolve(__dirname, '../..');
export const TEST_TMP = join(ROOT, '.test-tmp');
export const CODE_SERVER_VERSION = '4.100.3';
const CODE_SERVER_DIR = join(TEST_TMP, 'code-server');
const CODE_SERVER_ENTRY = join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const INSTALLED_MARKER = join(CODE_SERVER_DIR, `installed-${CODE_SERVER_VERSION}`);
const CHROMIUM = '/usr/bin/chromium';

export const log = (message: string): void => {
  process.stdout.write(`[harness] ${message}\n`);
};

/**
 * Installs code-server from npm into `.test-tmp/code-server` unless it is already there.
 * Its @vscode/ripgrep would download a ripgrep release from GitHub; a tarball of the system's
 * `rg` placed in that package's download cache stands in for it.
 */
export function ensureCodeServer(): void {
  if (existsSync(INSTALLED_MARKER) && existsSync(CODE_SERVER_ENTRY)) {
    return;
  }
  const started = Date.now();
  log(`installing code-server ${CODE_SERVER_VERSION} into ${CODE_SERVER_DIR} (about a minute, once)`);
  const tmp = join(TEST_TMP, 'npm-tmp');
  const cache = join(tmp, 'vscode-ripgrep-cache-1.15.11');
  mkdirSync(cache, { recursive: true });
  mkdirSync(CODE_SERVER_DIR, { recursive: true });
  const rg = execFileSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).trim();
  if (rg === '') {
    throw new Error('ripgrep (rg) is not installed; run "bash scripts/setup.sh" first');
  }
  execFileSync('tar', ['-czf', join(cache, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz'), '-C', resolve(rg, '..'), 'rg']);
  execFileSync('npm', ['install', '--prefix', CODE_SERVER_DIR, '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`], {
    stdio: 'inherit',
    env: {
      ...process.env,
      TMPDIR: tmp,
      npm_config_yes: 'true',
      // code-server's postinstall refuses to run as root unless it sees this (npm 11 itself
      // no longer reads it and warns so).
      npm_config_unsafe_perm: 'true',
      // code-server builds its native modules and fetches ripgrep in install scripts.
      npm_config_dangerously_allow_all_scripts: 'true',
    },
  });
  writeFileSync(INSTALLED_MARKER, `${new Date().toISOString()}\n`);
  log(`code-server installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A fresh scratch folder under `.test-tmp/`. */
export function scratch(name: string): string {
  const dir = join(TEST_TMP, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface CodeServer {
  readonly port: number;
  readonly url: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'security.workspace.trust.enabled': false,
  // The scratch folders live inside this repository's clone.
  'git.openRepositoryInParentFolders': 'never',
};

/** Environment for code-server processes: a scratch HOME and no extension gallery. */
export function codeServerEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: home, EXTENSIONS_GALLERY: '{"serviceUrl":""}' };
}

/** Runs the code-server CLI to completion (e.g. --install-extension) and returns its output. */
export function codeServerCli(args: readonly string[], home: string): string {
  return execFileSync(process.execPath, [CODE_SERVER_ENTRY, ...args], { env: codeServerEnv(home), encoding: 'utf8' });
}

export async function startCodeServer(dirs: { userData: string; extensions: string; home: string }): Promise<CodeServer> {
  const port = await freePort();
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  const logFile = join(dirs.home, 'code-server.log');
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      CODE_SERVER_ENTRY,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--bind-addr', `127.0.0.1:${port}`,
      '--user-data-dir', dirs.userData,
      '--extensions-dir', dirs.extensions,
    ],
    { env: codeServerEnv(dirs.home), stdio: ['ignore', out, out], detached: true },
  );
  closeSync(out);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      return;
    }
    // The process group holds code-server's extension host and file watchers too.
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
    if (!killed) {
      signal('SIGKILL');
      await exited;
    }
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`code-server exited with status ${child.exitCode}; see ${logFile}:\n${readFileSync(logFile, 'utf8')}`);
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer /healthz within 60 s; see ${logFile}`);
    }
    await sleep(250);
  }
  return { port, url, logFile, stop };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Rejects after `ms` with `what` in the message; for an overall limit on a step. */
export function deadline<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
