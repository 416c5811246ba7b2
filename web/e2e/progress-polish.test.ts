import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { folderArchiveSpec } from '@arkive/shared/contracts';
import { startSystem, type ArkiveSystem } from './system';
import { launchBrowser, shot } from './browser';
import { signIn } from './session';

/**
 * Progress people can trust, in chromium against the whole system: a folder job's page, open from
 * before the job starts to after it ends, draws the kind's six stages as a stepper, walks them in
 * order and its overall percent never goes back. Then the 390 px layout: the menu holds Log out,
 * every page has its own title, and admins find bull-board and the API docs in the menu.
 */
jest.setTimeout(400000);

let sys: ArkiveSystem;
let browser: Browser;

beforeAll(async () => {
  sys = await startSystem();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

const login = (ctx: BrowserContext): Promise<Page> =>
  signIn(ctx, sys.webUrl, sys.adminUsername, sys.adminPassword);

interface Sample {
  pct: number | null;
  stage: string | null;
  details: string;
  step: string;
}

test('a whole folder job: the stepper walks the six stages in order and the percent never goes back', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // Every state the page shows, recorded as the DOM changes (a stage can be shorter than a poll).
  await ctx.addInitScript(() => {
    const w = window as unknown as { __samples: unknown[] };
    w.__samples = [];
    new MutationObserver(() => {
      const bar = document.querySelector('[role="progressbar"][aria-label="Operation progress"]');
      const now = document.querySelector('ol[aria-label="Stages"] li[aria-current="step"]');
      const v = bar?.getAttribute('aria-valuenow');
      w.__samples.push({
        pct: v === null || v === undefined ? null : Number(v),
        stage: now?.getAttribute('data-stage') ?? null,
        details: document.querySelector('[aria-label="Progress details"]')?.textContent ?? '',
        step: document.querySelector('[data-testid="operation-progress"] p.text-sm')?.textContent ?? '',
      });
    }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  const page = await login(ctx);
  const folder = path.join(sys.world.config.sourceRoot, 'Production', '2025', 'Stepper_Run');
  await fs.mkdir(path.join(folder, 'traj'), { recursive: true });
  for (let i = 0; i < 3; i++)
    await fs.writeFile(path.join(folder, 'traj', `part_${i}.xtc`), randomBytes(12 << 20));
  for (let i = 0; i < 200; i++)
    await fs.writeFile(path.join(folder, `small-${i}.txt`), `row ${i}\n`.repeat(50));

  // The job waits in the queue (its service is stopped) while its page opens: the page sees it all.
  await sys.stopService('compress');
  const res = await ctx.request.post(`${sys.webUrl}/api/jobs`, {
    data: { folder_path: 'Production/2025/Stepper_Run' },
    headers: { origin: sys.webUrl, 'content-type': 'application/json' },
  });
  expect(res.status()).toBe(201);
  const jobId = ((await res.json()) as { job_id: string }).job_id;
  await page.goto(`${sys.webUrl}/jobs/${jobId}`);
  await page.getByRole('heading', { name: 'Job: Stepper_Run' }).waitFor();
  const stepper = page.getByRole('list', { name: 'Stages' });
  await stepper.waitFor();
  const texts = await stepper.getByRole('listitem').allTextContents();
  expect(texts).toHaveLength(6);
  folderArchiveSpec.stages.forEach((st, i) => {
    expect(texts[i].startsWith(String(i + 1))).toBe(true);
    expect(texts[i]).toContain(st.label);
  });
  await page.getByText('Waiting in the queue').waitFor();
  expect(await page.title()).toBe('Job: Stepper_Run · Arkive');
  sys.startService('compress');

  await page.locator('[data-status="succeeded"]').waitFor({ timeout: 300000 });
  await shot(page, 'progress-01-folder-job-done');
  const samples = (await page.evaluate(
    () => (window as unknown as { __samples: Sample[] }).__samples,
  )) as Sample[];
  const pcts = samples.map((s) => s.pct).filter((p): p is number => p !== null);
  expect(pcts.length).toBeGreaterThan(3);
  for (let i = 1; i < pcts.length; i++) {
    if (pcts[i] < pcts[i - 1])
      throw new Error(`percent went back: ${pcts[i - 1]} → ${pcts[i]} (${pcts.join(', ')})`);
  }
  expect(pcts.at(-1)).toBe(100);
  // Stages seen in the kind's order, never back; more than one of them while the job ran.
  const order: string[] = folderArchiveSpec.stages.map((s) => s.name);
  const seen = samples.map((s) => s.stage).filter((s): s is string => s !== null);
  const idx = seen.map((s) => order.indexOf(s));
  expect(idx.every((v) => v >= 0)).toBe(true);
  for (let i = 1; i < idx.length; i++) expect(idx[i]).toBeGreaterThanOrEqual(idx[i - 1]);
  expect(new Set(seen).size).toBeGreaterThan(1);
  expect(samples.some((s) => /^Step [1-6] of 6: /.test(s.step))).toBe(true);
  expect(samples.some((s) => /elapsed \d/.test(s.details))).toBe(true);
  // At the end every stage is done.
  const states = await stepper
    .getByRole('listitem')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
  expect(states).toEqual(order.map(() => 'done'));
  // The job's own fields arrived without a reload; sizes show exact bytes on hover.
  const archiveSize = page.locator('dt:has-text("Archive size") + dd [title$=" bytes"]');
  await archiveSize.waitFor();
  expect(await archiveSize.getAttribute('title')).toMatch(/^[\d,]+ bytes$/);
  // The live log and the stored one say the same: no line repeats.
  const log = await page.getByRole('log', { name: 'Operation logs' }).innerText();
  const lines = log.split('\n').map((l) => l.replace(/^\S+\s+\S+\s+/, ''));
  const adding = lines.filter((l) => /part_0\.xtc/.test(l));
  expect(new Set(adding).size).toBe(adding.length);
  await ctx.close();
});

test('390 px: the menu holds Log out; admins find bull-board and the API docs; pages have their own titles', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await login(ctx);
  await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
  expect(await page.title()).toBe('Runs · Arkive');
  const menu = page.getByRole('button', { name: 'Menu' });
  await menu.waitFor();
  expect(await page.getByRole('button', { name: 'Log out' }).isVisible()).toBe(false);
  await menu.click();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('button', { name: 'Log out' }).waitFor();
  await nav.getByRole('link', { name: 'Queues (bull-board)' }).waitFor();
  await nav.getByRole('link', { name: 'API docs' }).waitFor();
  expect(await nav.getByRole('link', { name: 'API docs' }).getAttribute('href')).toBe('/api/docs');
  await shot(page, 'polish-01-mobile-menu');
  await nav.getByRole('link', { name: 'History' }).click();
  await page.waitForURL(/\/history$/);
  await page.getByRole('heading', { name: 'History', level: 1 }).waitFor();
  expect(await page.title()).toBe('History · Arkive');
  const icon = await page.locator('link[rel="icon"]').first().getAttribute('href');
  expect(icon).toBeTruthy();
  expect((await ctx.request.get(`${sys.webUrl}${icon}`)).status()).toBe(200);
  await menu.click();
  await nav.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(/\/login/);
  await page.goto(`${sys.webUrl}/runs`);
  await page.waitForURL(/\/login/);
  await ctx.close();
});
