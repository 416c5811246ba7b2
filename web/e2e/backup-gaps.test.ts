import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startSystem, type ArkiveSystem } from './system';
import { launchBrowser, shot } from './browser';
import { apiCall, signIn } from './session';

/**
 * Backups in chromium against the whole system (real backup service and restic): the runs list and
 * the run's Settings show backup state and region; "Download as ZIP" on the Backups tab follows the
 * operation live and ends with a link that downloads the ZIP; a failed scrub raises the admin banner.
 */
jest.setTimeout(300000);

let sys: ArkiveSystem;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;

const apiAs = (method: 'GET' | 'POST', url: string, data?: unknown) =>
  apiCall(ctx, sys.webUrl, method, url, data);

async function waitForOperation(id: string) {
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline) {
    const op = await apiAs('GET', `/api/operations/${id}`);
    if (['succeeded', 'failed', 'cancelled'].includes(op.body.status as string)) return op.body;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`operation ${id} did not end`);
}

beforeAll(async () => {
  sys = await startSystem();
  browser = await launchBrowser();
  ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await signIn(ctx, sys.webUrl, sys.adminUsername, sys.adminPassword);
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

test('backup state in the runs list and Settings; Download as ZIP with live progress and a working link; scrub banner', async () => {
  const runid = 'zip-run';
  expect((await apiAs('POST', '/api/runs', { runid })).status).toBe(201);
  await fs.mkdir(path.join(sys.runsRoot, runid, 'data'), { recursive: true });
  await fs.writeFile(path.join(sys.runsRoot, runid, 'data', 'a.txt'), 'alpha\n'.repeat(2000));

  await page.goto(`${sys.webUrl}/runs`);
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: runid }) });
  await row.getByText('never backed up').waitFor();

  const started = await apiAs('POST', `/api/runs/${runid}/backups`, {});
  expect(started.status).toBe(202);
  expect((await waitForOperation(started.body.operationId as string)).status).toBe('succeeded');
  await page.reload();
  await row.getByText('backed up', { exact: true }).waitFor();
  await row.getByText('· local').waitFor();
  await shot(page, 'backup-01-runs-list');

  await page.goto(`${sys.webUrl}/runs/${runid}/settings`);
  const settings = page.getByTestId('backup-settings');
  await settings.getByTestId('backup-region').getByText('local').waitFor();
  await settings.getByText('backed up', { exact: true }).waitFor();
  await settings.getByLabel('Move future backups to').waitFor();
  await shot(page, 'backup-02-settings');

  await page.goto(`${sys.webUrl}/runs/${runid}/backups`);
  await page.getByRole('button', { name: 'Download as ZIP' }).click();
  const link = page.getByRole('link', { name: /Download ZIP of [0-9a-f]{8}/ });
  await link.waitFor({ timeout: 120000 });
  await shot(page, 'backup-03-zip-ready');
  const href = await link.getAttribute('href');
  expect(href).toMatch(new RegExp(`^/api/runs/${runid}/backups/[0-9a-f-]{36}/zips/[0-9a-f-]{36}$`));
  const dl = await ctx.request.get(`${sys.webUrl}${href}`);
  expect(dl.status()).toBe(200);
  expect(dl.headers()['content-disposition']).toMatch(new RegExp(`attachment; filename="${runid}-backup-`));
  const bytes = await dl.body();
  expect(bytes.subarray(0, 4).toString('hex')).toBe('504b0304');
  expect(bytes.includes(Buffer.from('data/a.txt'))).toBe(true);

  // chosen paths from the browser: a ZIP of data/ only
  await page.getByRole('button', { name: 'Browse' }).click();
  await page.getByLabel('Choose data').check();
  await page.getByRole('button', { name: 'Download 1 chosen as ZIP' }).click();
  const partial = page.getByRole('link', { name: /Download ZIP of [0-9a-f]{8} \(data\)/ });
  await partial.waitFor({ timeout: 120000 });
  const part = await ctx.request.get(`${sys.webUrl}${await partial.getAttribute('href')}`);
  expect(part.status()).toBe(200);

  // a failed scrub: every page shows administrators the banner
  await sys.world.prisma.backupRepo.update({
    where: { id: 'local' },
    data: {
      lastScrubAt: new Date(),
      lastScrubOk: false,
      lastScrubSubset: '3/30',
      lastScrubMessage: 'The scrub of packs 3/30 found damage: Pack ID does not match',
    },
  });
  await page.goto(`${sys.webUrl}/runs`);
  const banner = page.getByTestId('scrub-banner');
  await banner.waitFor();
  await expect(banner.textContent()).resolves.toMatch(/scrub of local failed.*Pack ID does not match/s);
  await shot(page, 'backup-04-scrub-banner');
});
