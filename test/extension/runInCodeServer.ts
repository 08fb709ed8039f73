/**
 * Runs the extension test suites inside a real VS Code extension host: code-server serves the
 * workbench, headless Chromium opens it with this repository as the extension under
 * development, and the suites' mocha result comes back through `window.codeAutomationExit`.
 * Prints the suites' output, the extension's activation time and the wall time; exits with
 * mocha's status. code-server and Chromium are stopped whatever happens.
 *
 * Suites drive the workbench UI through this harness (see ./uiBridge.ts): they log a request,
 * the harness plays it with playwright (type into the quick input, click a notification's
 * button, take a screenshot into test-results/screenshots/) and writes the answer to a file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { deadline, ensureCodeServer, launchChromium, log, ROOT, scratch, startCodeServer, type CodeServer } from './codeServer';
import { playUiRequest, resetScreenshots, SCREENSHOTS, UI_REQUEST } from './uiBridge';

const SUITE_INDEX = join(ROOT, 'out', 'test', 'extension', 'suite', 'index.js');
const TIMEOUT_MS = 480_000;

async function main(): Promise<number> {
  ensureCodeServer();
  const started = Date.now();
  const run = scratch('extension-run');
  resetScreenshots();
  const workspace = join(run, 'workspace');
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'README.md'), 'Scratch workspace for the AUTON extension tests.\n');

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let activation: string | undefined;
  try {
    server = await startCodeServer({ userData: join(run, 'user-data'), extensions: join(run, 'extensions'), home: run });
    log(`code-server on port ${server.port}`);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const exitCode = new Promise<number>((resolveExit) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
    });
    page.on('console', (message) => {
      const text = message.text();
      const request = UI_REQUEST.exec(text);
      if (request) {
        void playUiRequest(page, request[1]!);
        return;
      }
      const measured = /AUTON activation time: ([\d.]+ ms)/.exec(text);
      if (measured) {
        activation = measured[1];
      }
      // Workbench log lines arrive as "%c INFO" plus a CSS argument; keep just the text.
      process.stdout.write(`${text.replace(/^%c\s*(\w+)\s+color: #\w+ ?/, (_m, level: string) => (level === 'INFO' ? '' : `${level} `))}\n`);
    });
    page.on('pageerror', (error) => log(`page error: ${error.message}`));

    const remote = (path: string) => `vscode-remote://127.0.0.1:${server!.port}${path}`;
    const payload = [
      ['extensionDevelopmentPath', remote(ROOT)],
      ['extensionTestsPath', remote(SUITE_INDEX)],
    ];
    const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    const code = await deadline(TIMEOUT_MS, 'the extension test run', exitCode);
    log(`extension tests exited with status ${code}`);
    return code;
  } finally {
    await browser?.close().catch((error: Error) => log(`closing Chromium: ${error.message}`));
    await server?.stop();
    log(`activation time in the extension host: ${activation ?? 'not reported'}`);
    log(`screenshots in ${SCREENSHOTS}`);
    log(`test:extension wall time (without the one-time install): ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    log(`failed: ${error.message}`);
    process.exit(1);
  },
);
