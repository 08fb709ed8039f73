/**
 * Lets a suite running in the extension host drive the workbench UI the way a person does:
 * the harness serves these requests on loopback with playwright on the Chromium page, and hands
 * the address to the extension host in AUTON_TEST_UI (code-server's environment reaches it).
 *
 *   POST {"action":"clickLens","row":"Hunk 2 of 3","text":"Reject"}  clicks a CodeLens link
 *   POST {"action":"fillInput","text":"...","enter":true}           types into the quick input
 *   POST {"action":"inputValue"}                                    reads the quick input
 *   POST {"action":"press","key":"Escape"}
 *   POST {"action":"waitFor","selector":".codelens-decoration","text":"Hunk 1"}  waits until shown
 *   POST {"action":"screenshot","name":"review-inline"}             test-results/screenshots/<name>.png
 *   POST {"action":"steps","steps":[...]}   plays ./uiProtocol.ts steps in order (./uiBridge.ts); answers a UiAnswer
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { playSteps } from './uiBridge';
import type { UiStep } from './uiProtocol';

export const UI_DRIVER_ENV = 'AUTON_TEST_UI';

type Request =
  | { action: 'clickLens'; row: string; text: string }
  | { action: 'fillInput'; text: string; enter?: boolean }
  | { action: 'inputValue' }
  | { action: 'press'; key: string }
  | { action: 'waitFor'; selector: string; text?: string }
  | { action: 'screenshot'; name: string }
  | { action: 'steps'; steps: UiStep[] };

const STEP_MS = 20_000;

export async function startUiDriver(page: () => Page | undefined, screenshots: string): Promise<{ url: string; close(): Promise<void> }> {
  const act = async (r: Request): Promise<string> => {
    const p = page();
    if (!p) throw new Error('the workbench page is not open yet');
    switch (r.action) {
      case 'clickLens': {
        // A CodeLens line is one `.codelens-decoration`; each lens with a command is a link in it.
        const row = p.locator('.codelens-decoration', { hasText: r.row });
        await row.first().getByText(r.text, { exact: true }).click({ timeout: STEP_MS });
        return 'clicked';
      }
      case 'fillInput': {
        const input = p.locator('.quick-input-widget input.input');
        await input.fill(r.text, { timeout: STEP_MS });
        if (r.enter) await input.press('Enter');
        return 'filled';
      }
      case 'inputValue':
        return p.locator('.quick-input-widget input.input').inputValue({ timeout: STEP_MS });
      case 'press':
        await p.keyboard.press(r.key);
        return 'pressed';
      case 'waitFor':
        await p.locator(r.selector, r.text ? { hasText: r.text } : {}).first().waitFor({ timeout: STEP_MS });
        return 'shown';
      case 'steps':
        return JSON.stringify(await playSteps(p, r.steps));
      case 'screenshot': {
        if (!/^[\w-]+$/.test(r.name)) throw new Error(`screenshot name "${r.name}": use letters, digits, - and _`);
        mkdirSync(screenshots, { recursive: true });
        const path = join(screenshots, `${r.name}.png`);
        await p.screenshot({ path });
        return path;
      }
    }
  };

  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => {
      let request: Request;
      try {
        request = JSON.parse(body) as Request;
      } catch {
        res.writeHead(400).end('the body must be JSON');
        return;
      }
      act(request).then(
        (out) => res.writeHead(200).end(out),
        (error: Error) => res.writeHead(500).end(`${request.action}: ${error.message}`),
      );
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the UI driver has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
