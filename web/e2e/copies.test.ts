import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startSystem, type ArkiveSystem } from './system';
import { launchBrowser, shot } from './browser';
import { apiCall, signIn } from './session';

/**
 * A run's copies on its Settings tab (issue 14): a copy applied on this host shows done; one to a
 * run whose host is down stays pending and is cancelled from the page.
 */
jest.setTimeout(300000);

let sys: ArkiveSystem;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;

const apiAs = (method: 'GET' | 'POST', url: string, data?: unknown) =>
  apiCall(ctx, sys.webUrl, method, url, data);

beforeAll(async () => {
  sys = await startSystem();
  browser = await launchBrowser();
  ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await signIn(ctx, sys.webUrl, sys.adminUsername, sys.adminPassword);
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

test('the Settings tab lists the run’s copies; a pending one is cancelled from there', async () => {
  for (const runid of ['teacher', 'near', 'far'])
    expect((await apiAs('POST', '/api/runs', { runid })).status).toBe(201);
  await fs.mkdir(path.join(sys.runsRoot, 'teacher', 'handout'), { recursive: true });
  await fs.writeFile(path.join(sys.runsRoot, 'teacher', 'handout', 'hw1.txt'), 'homework 1\n');
  // 'far' lives on a host that is not running: its copy waits
  await sys.world.prisma.run.update({ where: { id: 'far' }, data: { hostId: 'far-host' } });
  const res = await apiAs('POST', '/api/copy', {
    src: { runid: 'teacher', paths: ['handout'] },
    dests: [
      { runid: 'near', path: 'inbox' },
      { runid: 'far', path: 'inbox' },
    ],
  });
  expect(res.status).toBe(202);
  for (let i = 0; i < 200; i++) {
    const txt = await fs
      .readFile(path.join(sys.runsRoot, 'near', 'inbox', 'handout', 'hw1.txt'), 'utf8')
      .catch(() => '');
    if (txt) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  expect(await fs.readFile(path.join(sys.runsRoot, 'near', 'inbox', 'handout', 'hw1.txt'), 'utf8')).toBe(
    'homework 1\n',
  );

  await page.goto(`${sys.webUrl}/runs/teacher/settings`);
  const copies = page.getByRole('region', { name: 'Copies' });
  const row = (dest: string) => copies.getByRole('row').filter({ hasText: `${dest}:` });
  await row('near').getByText('done', { exact: true }).waitFor();
  await row('far').getByText('pending', { exact: true }).waitFor();
  await row('far').getByRole('button', { name: 'Cancel the copy to far' }).click();
  await row('far').getByText('cancelled', { exact: true }).waitFor();
  expect(await row('near').getByRole('button').count()).toBe(0);
  const list = await apiAs('GET', '/api/copies?runid=far');
  expect((list.body.items as { status: string }[]).map((c) => c.status)).toEqual(['cancelled']);
});

test('the Copy to other runs form copies paths of this run into a folder of each run named; a bad path is refused clearly', async () => {
  for (const runid of ['class-a', 'class-b'])
    expect((await apiAs('POST', '/api/runs', { runid })).status).toBe(201);
  await page.goto(`${sys.webUrl}/runs/teacher/settings`);
  const copies = page.getByRole('region', { name: 'Copies' });
  await copies.getByLabel('Paths in this run').fill('../etc');
  await copies.getByLabel('Destination runs').fill('class-a');
  await copies.getByLabel('Folder in each destination').fill('week1');
  await copies.getByRole('button', { name: 'Copy', exact: true }).click();
  await copies.getByRole('alert').waitFor();
  expect(await copies.getByRole('alert').textContent()).toMatch(/\.\./);

  await copies.getByLabel('Paths in this run').fill('handout/hw1.txt');
  await copies.getByLabel('Destination runs').fill('class-a\nclass-b\n');
  await copies.getByRole('button', { name: 'Copy', exact: true }).click();
  await copies.getByRole('status').filter({ hasText: 'into 2 runs' }).waitFor();
  const row = (dest: string) => copies.getByRole('row').filter({ hasText: `${dest}:` });
  await row('class-a').getByText('done', { exact: true }).waitFor({ timeout: 60000 });
  await row('class-b').getByText('done', { exact: true }).waitFor({ timeout: 60000 });
  for (const runid of ['class-a', 'class-b'])
    expect(await fs.readFile(path.join(sys.runsRoot, runid, 'week1', 'hw1.txt'), 'utf8')).toBe(
      'homework 1\n',
    );
  await shot(page, 'copies-01-form');
});
