/**
 * The packaged extension, as a user gets it: checks what the .vsix holds, installs it with
 * `code-server --install-extension`, confirms `--list-extensions` shows it, then opens the
 * workbench in Chromium and, through the command palette, runs "AUTON: Show Run Log" (the
 * AUTON output channel must show the activation line) and "AUTON: Set API Key" (provider
 * pick, password box; the log must say the key was stored and the key must appear nowhere).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { codeServerCli, deadline, ensureCodeServer, launchChromium, log, ROOT, scratch, startCodeServer, type CodeServer } from '../extension/codeServer';

const { publisher, name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, string>;
const VSIX = join(ROOT, `${name}-${version}.vsix`);
const ID = `${publisher}.${name}`;
/** The line the extension logs at the end of `activate` (Monaco renders its spaces as U+00A0). */
const ACTIVATION_LINE = /AUTON\s\S+\sactivated\sin\s([\d.]+\sms)/;

/** What the .vsix may hold besides vsce's own manifest files (the wasm files are the agents' C parser). */
const ALLOWED = /^extension\/(package\.json|readme\.md|changelog\.md|LICENSE\.txt|dist\/(extension|cli|debugAdapter|clangd|engine)\.js|dist\/(web-tree-sitter|tree-sitter-c)\.wasm|media\/[^/]+\.svg|syntaxes\/[^/]+\.json)$/;

function checkContents(): void {
  const listing = execFileSync('python3', ['-m', 'zipfile', '-l', VSIX], { encoding: 'utf8' });
  const entries = listing
    .split('\n')
    .slice(1)
    .map((line) => line.split(/\s+\d{4}-\d\d-\d\d /)[0]?.trim() ?? '')
    .filter((entry) => entry !== '');
  const unexpected = entries.filter((e) => !ALLOWED.test(e) && e !== 'extension.vsixmanifest' && e !== '[Content_Types].xml');
  if (unexpected.length > 0) {
    throw new Error(`the .vsix holds files it should not: ${unexpected.join(', ')} (see .vscodeignore)`);
  }
  const bundles = ['extension', 'cli', 'debugAdapter', 'clangd', 'engine'].map((name) => `extension/dist/${name}.js`);
  for (const needed of [...bundles, 'extension/package.json']) {
    if (!entries.includes(needed)) {
      throw new Error(`the .vsix lacks ${needed}`);
    }
  }
  log(`${VSIX.slice(ROOT.length + 1)}: ${entries.length} files, ${(statSync(VSIX).size / 1024).toFixed(1)} KiB`);
}

const TEST_KEY = 'sk-ant-vsix-test-key';

/** Types `text` into the open quick input and runs the first row showing it. */
async function pickInQuickInput(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(text);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: text.replace(/^>/, '') }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** F1, the command's title, Enter: as a user runs a command. */
async function runFromPalette(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await pickInQuickInput(page, `>${title}`);
}

async function main(): Promise<void> {
  checkContents();
  ensureCodeServer();
  const run = scratch('vsix-run');
  const dirs = { userData: join(run, 'user-data'), extensions: join(run, 'extensions'), home: run };
  const workspace = scratch('vsix-run-workspace');

  codeServerCli(['--install-extension', VSIX, '--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData], run);
  const listed = codeServerCli(['--list-extensions', '--show-versions', '--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData], run);
  if (!listed.split('\n').includes(`${ID}@${version}`)) {
    throw new Error(`--list-extensions does not show ${ID}@${version}:\n${listed}`);
  }
  log(`installed and listed: ${ID}@${version}`);

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const screenshot = join(run, 'workbench.png');
  try {
    server = await startCodeServer(dirs);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    try {
      await deadline(120_000, 'running "AUTON: Show Run Log" from the command palette', (async () => {
        await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
        // The AUTON container in the activity bar means the installed manifest was read.
        await page.locator('.part.activitybar a[aria-label="AUTON"]').waitFor({ timeout: 60_000 });
        await runFromPalette(page, 'AUTON: Show Run Log');
        await page.locator('.part.panel .view-line', { hasText: ACTIVATION_LINE }).first().waitFor({ timeout: 60_000 });
      })());
      await deadline(60_000, 'storing a key through "AUTON: Set API Key"', (async () => {
        await runFromPalette(page, 'AUTON: Set API Key');
        await pickInQuickInput(page, 'Anthropic');
        const input = page.locator('.quick-input-widget input[type="password"]');
        await input.waitFor();
        await input.fill(TEST_KEY);
        await page.keyboard.press('Enter');
        await page.locator('.part.panel .view-line', { hasText: 'API key for anthropic stored in secret storage' }).first().waitFor();
      })());
    } finally {
      await page.screenshot({ path: screenshot }).catch(() => undefined);
    }
    if ((await page.locator('.monaco-workbench').textContent())?.includes(TEST_KEY)) {
      throw new Error('the API key is shown in the workbench');
    }
    const line = (await page.locator('.part.panel .view-line', { hasText: ACTIVATION_LINE }).first().textContent()) ?? '';
    const activated = ACTIVATION_LINE.exec(line);
    log(`the output channel shows the activation line (activation ${activated?.[1] ?? '?'}); screenshot ${screenshot.slice(ROOT.length + 1)}`);
    const notices = (await page.locator('.notifications-toasts').allTextContents()).join('\n');
    if (/activat\w+ extension .*auton.* failed/i.test(notices) || /Cannot activate/i.test(notices)) {
      throw new Error(`activation error notification: ${notices}`);
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  }
}

const started = Date.now();
main().then(
  () => {
    log(`test:vsix passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  },
  (error: Error) => {
    log(`test:vsix failed: ${error.message}`);
    process.exit(1);
  },
);
