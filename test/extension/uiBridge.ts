/**
 * The harness side of ./uiProtocol.ts: plays a suite's UI steps in the workbench page with
 * playwright and writes the answer where the suite waits for it.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { log, ROOT, TEST_TMP } from './codeServer';
import { UI_REQUEST_PREFIX, UI_REQUEST_SUFFIX, type UiAnswer, type UiRequest, type UiStep } from './uiProtocol';

export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');
const escapeRe = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
export const UI_REQUEST = new RegExp(`${escapeRe(UI_REQUEST_PREFIX)}(.*?)${escapeRe(UI_REQUEST_SUFFIX)}`);

/** Empties the screenshot folder at the start of a run, so every file there is this run's. */
export function resetScreenshots(): void {
  rmSync(SCREENSHOTS, { recursive: true, force: true });
  mkdirSync(SCREENSHOTS, { recursive: true });
}

function target(page: Page, selector: string, text?: string): Locator {
  const all = page.locator(selector);
  return (text === undefined ? all : all.filter({ hasText: text })).filter({ visible: true }).first();
}

async function play(page: Page, step: UiStep, answer: UiAnswer): Promise<void> {
  if ('waitFor' in step) {
    await target(page, step.waitFor, step.text).waitFor({ state: 'visible', timeout: step.timeoutMs ?? 20_000 });
  } else if ('click' in step) {
    await target(page, step.click, step.text).click({ timeout: 10_000 });
  } else if ('rightClick' in step) {
    await target(page, step.rightClick, step.text).click({ button: 'right', timeout: 10_000 });
  } else if ('hover' in step) {
    for (let attempt = 1; ; attempt++) {
      await page.mouse.move(0, 0);
      await target(page, step.hover, step.text).hover({ timeout: 10_000 });
      try {
        await target(page, step.shows, step.showsText).waitFor({ state: 'visible', timeout: 5_000 });
        break;
      } catch (error) {
        if (attempt === 4) throw error;
      }
    }
  } else if ('fill' in step) {
    await target(page, step.fill).fill(step.value, { timeout: 10_000 });
  } else if ('type' in step) {
    await page.keyboard.type(step.type, { delay: 5 });
  } else if ('press' in step) {
    await page.keyboard.press(step.press);
  } else if ('widen' in step) {
    const box = await target(page, step.widen).boundingBox({ timeout: 10_000 });
    if (box === null) throw new Error(`${step.widen} is not on screen`);
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width + 1, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width + 1 + step.by, y, { steps: 8 });
    await page.mouse.up();
  } else if ('sleepMs' in step) {
    await page.waitForTimeout(step.sleepMs);
  } else if ('textOf' in step) {
    answer.texts.push(await target(page, step.textOf).innerText({ timeout: 10_000 }));
  } else {
    const name = step.screenshot.replace(/[^\w.-]/g, '_');
    const file = join(SCREENSHOTS, `${name}.png`);
    mkdirSync(SCREENSHOTS, { recursive: true });
    if (step.selector === undefined) await page.screenshot({ path: file });
    else await target(page, step.selector).screenshot({ path: file, timeout: 10_000 });
    answer.screenshots.push(file);
    log(`screenshot ${relative(ROOT, file)}`);
  }
}

export async function playUiRequest(page: Page, json: string): Promise<void> {
  let request: UiRequest;
  try {
    request = JSON.parse(json) as UiRequest;
  } catch (error) {
    log(`a UI request that is not JSON: ${(error as Error).message}`);
    return;
  }
  const reply = resolve(request.reply);
  if (relative(TEST_TMP, reply).startsWith('..')) {
    log(`a UI request wants its answer outside ${TEST_TMP}: ${reply}; refused`);
    return;
  }
  const answer: UiAnswer = { ok: true, texts: [], screenshots: [] };
  for (const [i, step] of request.steps.entries()) {
    try {
      await play(page, step, answer);
    } catch (error) {
      Object.assign(answer, { ok: false, error: `step ${i + 1} ${JSON.stringify(step)}: ${(error as Error).message.split('\n')[0]}` });
      // What the page looked like when the step failed.
      await page.screenshot({ path: join(SCREENSHOTS, `failed-${request.id}.png`) }).catch(() => undefined);
      break;
    }
  }
  mkdirSync(resolve(reply, '..'), { recursive: true });
  writeFileSync(`${reply}.tmp`, JSON.stringify(answer));
  renameSync(`${reply}.tmp`, reply);
}
