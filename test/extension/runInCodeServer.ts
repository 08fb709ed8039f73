/**
 * Runs the extension test suites inside a real VS Code extension host: code-server serves the
 * workbench, headless Chromium opens it with this repository as the extension under
 * development, and the suites' mocha result comes back through `window.codeAutomationExit`.
 * Prints the suites' output, the extension's activation time and the wall time; exits with
 * mocha's status. code-server and Chromium are stopped whatever happens.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { deadline, ensureCodeServer, launchChromium, log, ROOT, scratch, startCodeServer, type CodeServer } from './codeServer';
import { resetScreenshots, SCREENSHOTS } from './uiBridge';
import { startUiDriver, UI_DRIVER_ENV } from './uiDriver';

const SUITE_INDEX = join(ROOT, 'out', 'test', 'extension', 'suite', 'index.js');
const TIMEOUT_MS = 480_000;

async function main(): Promise<number> {
  ensureCodeServer();
  const started = Date.now();
  const run = scratch('extension-run');
  const workspace = join(run, 'workspace');
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'README.md'), 'Scratch workspace for the AUTON extension tests.\n');

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let activation: string | undefined;
  // Suites click and type in the workbench through this (the inline review's CodeLenses).
  resetScreenshots();
  const driver = await startUiDriver(() => page, SCREENSHOTS);
  process.env[UI_DRIVER_ENV] = driver.url;
  try {
    server = await startCodeServer({ userData: join(run, 'user-data'), extensions: join(run, 'extensions'), home: run });
    log(`code-server on port ${server.port}`);
    browser = await launchChromium();
    // Tall enough that a review document's hunks all show in the screenshots.
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const workbench = page;
    const exitCode = new Promise<number>((resolveExit) => {
      void workbench.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
    });
    page.on('console', (message) => {
      const text = message.text();
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
    await driver.close();
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
