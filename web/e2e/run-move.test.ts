import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startSystem, type ArkiveSystem } from './system';
import { launchBrowser, shot } from './browser';
import { apiCall, signIn } from './session';

/**
 * Moving a run in chromium against the whole system plus a second host (its own backup worker with
 * HOST_ID=h2 and its own RUNS_ROOT): the Settings tab's picker disables the run's host, a draining
 * host and one of another region; the archives/ warning is there; moving without a host chosen
 * says so; a real move through the confirmation ends with the run on h2.
 */
jest.setTimeout(300000);

const ROOT = path.resolve(__dirname, '../..');
let sys: ArkiveSystem;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let h2: ChildProcess | undefined;
let h2Root: string;

const apiAs = (method: 'GET' | 'POST', url: string, data?: unknown) =>
  apiCall(ctx, sys.webUrl, method, url, data);

beforeAll(async () => {
  sys = await startSystem();
  h2Root = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-e2e-h2-'));
  let out = '';
  h2 = spawn(process.execPath, ['--import', 'tsx', 'services/backup/src/index.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...sys.world.env,
      HOST_ID: 'h2',
      RUNS_ROOT: path.join(h2Root, 'runs'),
      STORAGE_ROOT: path.join(h2Root, 'storage'),
      TSX_TSCONFIG_PATH: path.join(__dirname, 'tsconfig.tsx.json'),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  h2.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  h2.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 240 && !/backup ready/.test(out); i++) await new Promise((r) => setTimeout(r, 250));
  if (!/backup ready/.test(out)) throw new Error(`h2 did not start:\n${out}`);
  const known = { runsRoot: '/srv/x/runs', freeBytes: 10n ** 12n, lastHeartbeatAt: new Date() };
  await sys.world.prisma.host.create({
    data: { id: 'h-drain', name: 'h-drain', status: 'draining', ...known },
  });
  await sys.world.prisma.host.create({ data: { id: 'h-eu', name: 'h-eu', region: 'eu', ...known } });

  browser = await launchBrowser();
  ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await signIn(ctx, sys.webUrl, sys.adminUsername, sys.adminPassword);
});
afterAll(async () => {
  await browser?.close();
  h2?.kill('SIGTERM');
  await sys?.stop();
  if (h2Root) await fs.rm(h2Root, { recursive: true, force: true });
});

test('the move section refuses what it must, warns about archives/, and moves the run to h2', async () => {
  expect((await apiAs('POST', '/api/runs', { runid: 'moving-run' })).status).toBe(201);
  const src = path.join(sys.runsRoot, 'moving-run');
  await fs.mkdir(path.join(src, 'output'), { recursive: true });
  await fs.mkdir(path.join(src, 'archives'), { recursive: true });
  await fs.writeFile(path.join(src, 'output', 'result.dat'), 'r'.repeat(2000));
  await fs.writeFile(path.join(src, 'archives', 'local-snap.zip'), 'z'.repeat(100));

  await page.goto(`${sys.webUrl}/runs/moving-run/settings`);
  const section = page.getByRole('region', { name: 'Move to another host' });
  await section.waitFor();
  await expect(section.textContent()).resolves.toMatch(
    /Local snapshots in archives\/ are not moved unless you include them/,
  );
  const picker = section.getByLabel('Destination host');
  await picker.locator('option[value="h2"]').waitFor({ state: 'attached' });
  const disabled = async (id: string) => picker.locator(`option[value="${id}"]`).isDisabled();
  expect(await disabled(sys.world.config.hostId)).toBe(true);
  expect(await disabled('h-drain')).toBe(true);
  expect(await disabled('h-eu')).toBe(true);
  expect(await disabled('h2')).toBe(false);
  await expect(picker.locator('option[value="h-eu"]').textContent()).resolves.toMatch(/region eu, not local/);
  await expect(picker.locator('option[value="h2"]').textContent()).resolves.toMatch(/online, .* free/);

  // no host chosen: said, nothing asked
  await section.getByRole('button', { name: 'Move to another host…' }).click();
  await expect(section.getByRole('alert').textContent()).resolves.toMatch(
    /Choose the destination host first/,
  );
  expect(await page.getByRole('dialog').count()).toBe(0);

  // the server refuses other regions too (the picker is only a help)
  const far = await apiAs('POST', '/api/runs/moving-run/move', { destHostId: 'h-eu' });
  expect(far.status).toBe(409);
  expect((far.body.error as { code: string }).code).toBe('REGION_MISMATCH');

  await picker.selectOption('h2');
  await section.getByRole('button', { name: 'Move to another host…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Move run moving-run to h2?' });
  await expect(dialog.textContent()).resolves.toMatch(/local snapshots in archives\/ are NOT moved/);
  await shot(page, 'run-move-01-confirm');
  await dialog.getByRole('button', { name: 'Move to h2' }).click();
  const status = section.getByRole('status');
  await status.waitFor();
  await section.getByRole('link', { name: 'Follow the move on its operation page' }).waitFor();
  await status.filter({ hasText: 'succeeded' }).waitFor({ timeout: 120000 });
  await shot(page, 'run-move-02-done');

  const run = await apiAs('GET', '/api/runs/moving-run');
  expect(run.body.host_id).toBe('h2');
  await expect(
    fs.readFile(path.join(h2Root, 'runs', 'moving-run', 'output', 'result.dat'), 'utf8'),
  ).resolves.toBe('r'.repeat(2000));
  await expect(
    fs.stat(path.join(h2Root, 'runs', 'moving-run', 'archives', 'local-snap.zip')),
  ).rejects.toMatchObject({ code: 'ENOENT' });
  await expect(fs.stat(src)).rejects.toMatchObject({ code: 'ENOENT' });
});
