import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Playground, startPlayground } from '../src/playground.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const MISSING = !existsSync(CHROMIUM);
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

if (MISSING && !process.env.CI) {
  console.warn(
    `Skipping the playground's browser test: no Chromium at ${CHROMIUM} ` +
      '(apt-get install -y chromium, or set CHROMIUM_PATH).',
  );
}

/** Fills the form for one task and submits it; resolves once its card is on the page. */
async function submitTask(page: Page, type: string, model: string, prompt: string): Promise<string> {
  await page.selectOption('#task-type', type);
  await page.selectOption('#model', model);
  await page.fill('#field-promptText', prompt);
  const before = await page.locator('.task').count();
  await page.click('#submit');
  await page.waitForFunction((count) => document.querySelectorAll('.task').length > count, before);
  return (await page.locator('.task').first().getAttribute('data-handle')) as string;
}

// In CI a missing browser is a failure, not a skip.
describe.skipIf(MISSING && !process.env.CI)('the playground in headless Chromium', () => {
  let playground: Playground;
  let browser: Browser;

  beforeAll(async () => {
    if (MISSING)
      throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);
    playground = await startPlayground({ port: 0, timeScale: 0.05, simulator: { seed: 11 } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await playground?.close();
  });

  it('creates tasks from the form, shows progress, renders results and cancels one', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });

    await page.goto(playground.url);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.textContent('#mode')).toContain('Simulator');
    // Record every progress value each card shows, as it happens.
    await page.evaluate(() => {
      const seen: Record<string, string[]> = {};
      (window as unknown as { progressSeen: typeof seen }).progressSeen = seen;
      new MutationObserver((records) => {
        for (const record of records) {
          const card = record.target as HTMLElement;
          const handle = card.dataset.handle;
          if (!handle || !card.classList.contains('task')) continue;
          const list = seen[handle] ?? [];
          seen[handle] = list;
          const value = `${card.dataset.status}:${card.dataset.progress}`;
          if (list.at(-1) !== value) list.push(value);
        }
      }).observe(document.querySelector('#task-list') as Node, {
        subtree: true,
        attributes: true,
        attributeFilter: ['data-status', 'data-progress'],
      });
    });

    const image = await submitTask(page, 'text_to_image', 'gen4_image', 'A red lighthouse on a cliff');
    const video = await submitTask(page, 'text_to_video', 'gen4.5', 'Waves rolling under a lighthouse');
    const doomed = await submitTask(page, 'text_to_video', 'gen4.5', 'A very long sunset [slow]');

    const card = (handle: string) => `.task[data-handle="${handle}"]`;
    await page.waitForSelector(
      `${card(doomed)}[data-status="PROCESSING"], ${card(doomed)}[data-status="PENDING"]`,
    );
    await page.click(`${card(doomed)} .cancel`);
    await page.waitForSelector(`${card(doomed)}[data-status="CANCELLED"]`, { timeout: 10_000 });
    expect(await page.textContent(`${card(doomed)} .badge`)).toBe('CANCELLED');
    expect(await page.isHidden(`${card(doomed)} .cancel`)).toBe(true);

    await page.waitForSelector(`${card(image)}[data-status="SUCCEEDED"] .result img`, { timeout: 15_000 });
    await page.waitForFunction(
      (selector) => {
        const img = document.querySelector<HTMLImageElement>(selector);
        return Boolean(img?.complete && img.naturalWidth > 0);
      },
      `${card(image)} .result img`,
    );

    await page.waitForSelector(`${card(video)}[data-status="SUCCEEDED"] .result video`, { timeout: 20_000 });
    // The video element loaded the simulator's MP4 (metadata and a first frame).
    await page.waitForFunction(
      (selector) => (document.querySelector<HTMLVideoElement>(selector)?.readyState ?? 0) >= 2,
      `${card(video)} .result video`,
      { timeout: 10_000 },
    );
    expect(await page.textContent(`${card(video)} .task-detail`)).toMatch(/^Done/);

    const seen = await page.evaluate(
      () => (window as unknown as { progressSeen: Record<string, string[]> }).progressSeen,
    );
    const moving = (seen[video] ?? []).filter((value) => value.startsWith('PROCESSING:'));
    // Progress moved through several values on its way up.
    expect(new Set(moving).size).toBeGreaterThanOrEqual(2);
    const percents = moving.map((value) => Number(value.split(':')[1]));
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    expect(seen[video]?.at(-1)).toBe('SUCCEEDED:100');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}playground.png`, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
