/**
 * Plays a suite's UI steps (./uiProtocol.ts) in the workbench page with playwright, for the
 * harness's UI driver (./uiDriver.ts, action "steps").
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { log, ROOT } from './codeServer';
import type { UiAnswer, UiStep } from './uiProtocol';

export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

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

/** Plays the steps in order; the answer says which one failed, with a screenshot of the page then. */
export async function playSteps(page: Page, steps: readonly UiStep[]): Promise<UiAnswer> {
  const answer: UiAnswer = { ok: true, texts: [], screenshots: [] };
  for (const [i, step] of steps.entries()) {
    try {
      await play(page, step, answer);
    } catch (error) {
      const shot = join(SCREENSHOTS, `failed-step-${Date.now()}.png`);
      await page.screenshot({ path: shot }).catch(() => undefined);
      return { ...answer, ok: false, error: `step ${i + 1} ${JSON.stringify(step)}: ${(error as Error).message.split('\n')[0]} (page: ${relative(ROOT, shot)})` };
    }
  }
  return answer;
}
