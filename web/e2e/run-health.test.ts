import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startSystem, type ArkiveSystem } from './system';
import { launchBrowser, shot } from './browser';
import { apiCall, signIn } from './session';

/**
 * Run health and archive management in chromium against the whole system: a locked run and a run
 * whose directory is gone show why snapshots are off; an unknown run is a not-found page; an
 * archive is deleted through the confirmation; a retention run deletes what the policy lets go.
 */
jest.setTimeout(300000);

let sys: ArkiveSystem;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;

const apiAs = (method: 'GET' | 'POST' | 'PUT', url: string, data?: unknown) =>
  apiCall<unknown>(ctx, sys.webUrl, method, url, data);

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

const runDir = (id: string) => path.join(sys.runsRoot, id);

test('a locked run names its lock file and since when, and snapshots wait; a missing run says so', async () => {
  for (const runid of ['locked-run', 'gone-run', 'fine-run'])
    expect((await apiAs('POST', '/api/runs', { runid })).status).toBe(201);
  await fs.mkdir(path.join(runDir('locked-run'), 'wepp'), { recursive: true });
  await fs.writeFile(path.join(runDir('locked-run'), 'wepp', 'runs.nodb.lock'), '');
  await fs.writeFile(path.join(runDir('fine-run'), 'data.txt'), 'x'.repeat(5000));
  await fs.rm(runDir('gone-run'), { recursive: true });

  await page.goto(`${sys.webUrl}/runs`);
  const row = (id: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name: id }) });
  await row('locked-run').getByText('Locked', { exact: true }).waitFor();
  await row('gone-run').getByText('Directory missing').waitFor();
  await row('fine-run').getByText('OK', { exact: true }).waitFor();
  await expect(row('fine-run').getByTitle('5,000 bytes').textContent()).resolves.toBe('4.88 KB');
  await page.getByText(/Free disk under RUNS_ROOT/).waitFor();
  // Search and sort.
  await page.getByLabel('Search runs').fill('gone');
  await page.getByRole('link', { name: 'fine-run' }).waitFor({ state: 'detached' });
  await row('gone-run').waitFor();
  await page.getByLabel('Search runs').fill('');
  await page.getByLabel('Sort by').selectOption('size');
  await page.getByLabel('Order').selectOption('desc');
  await page.waitForFunction(
    () => document.querySelector('tbody tr[data-run]')?.getAttribute('data-run') === 'fine-run',
  );
  await shot(page, 'health-01-runs');

  await page.getByRole('link', { name: 'locked-run' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'is locked' });
  await alert.waitFor();
  await expect(alert.textContent()).resolves.toMatch(/Lock file wepp\/runs\.nodb\.lock since .+\(just now\)/);
  await expect(alert.textContent()).resolves.toMatch(/delete the lock file/);
  const create = page.getByRole('button', { name: 'Create archive' });
  expect(await create.isDisabled()).toBe(true);
  await page.getByText(/Snapshot unavailable: The run is locked \(wepp\/runs\.nodb\.lock\)/).waitFor();
  await shot(page, 'health-02-locked');
  await fs.rm(path.join(runDir('locked-run'), 'wepp', 'runs.nodb.lock'));
  await page.reload();
  await page.getByRole('heading', { name: 'Health' }).waitFor();
  await page.getByText('OK', { exact: true }).waitFor();
  expect(await create.isEnabled()).toBe(true);

  await page.goto(`${sys.webUrl}/runs/gone-run`);
  await page.getByText('The directory of run gone-run is missing on disk.').waitFor();
  expect(await page.getByRole('button', { name: 'Create archive' }).isDisabled()).toBe(true);
  await page.getByText(/Snapshot unavailable: The run's directory gone-run is missing/).waitFor();
  await shot(page, 'health-03-missing');

  await page.goto(`${sys.webUrl}/runs/no-such-run`);
  await page.getByRole('heading', { name: 'Run not found' }).waitFor();
  await page.getByRole('link', { name: 'Back to your runs' }).waitFor();
  expect(await page.title()).toBe('Run not found · Arkive');
});

test('an archive is deleted through the confirmation; a retention run deletes what the policy lets go', async () => {
  await page.goto(`${sys.webUrl}/runs/fine-run`);
  await page.getByText('● Live').waitFor();
  // Two old archive files (made elsewhere, no database row) and one real snapshot.
  const archives = path.join(runDir('fine-run'), 'archives');
  await fs.mkdir(archives, { recursive: true });
  for (const [name, days] of [
    ['20250101T000000Z_oldest.zip', 90],
    ['20250201T000000Z_older.zip', 60],
  ] as const) {
    await fs.writeFile(path.join(archives, name), 'not really a zip');
    const t = new Date(Date.now() - days * 86_400_000);
    await fs.utimes(path.join(archives, name), t, t);
  }
  await page.getByLabel('Label (optional)').fill('keep me');
  await page.getByRole('button', { name: 'Create archive' }).click();
  await page.getByText('Archive created.').waitFor({ timeout: 120000 });
  const rows = page.locator('tbody tr[data-archive]');
  await page.waitForFunction(() => document.querySelectorAll('tbody tr[data-archive]').length === 3);
  await page
    .getByRole('row')
    .filter({ hasText: 'keep me' })
    .getByRole('cell', { name: '1', exact: true })
    .waitFor();

  // Delete the oldest through the app's confirmation dialog (no window.confirm).
  page.on('dialog', () => {
    throw new Error('a native dialog was opened');
  });
  const oldest = page.getByRole('row').filter({ hasText: '20250101T000000Z_oldest.zip' });
  await oldest.getByRole('button', { name: /Delete/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete 20250101T000000Z_oldest.zip?' });
  await dialog.waitFor();
  await expect(dialog.textContent()).resolves.toMatch(/This cannot be undone/);
  await shot(page, 'archives-01-delete-confirm');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  expect(await rows.count()).toBe(3);
  await oldest.getByRole('button', { name: /Delete/ }).click();
  await dialog.getByRole('button', { name: 'Delete archive' }).click();
  await oldest.waitFor({ state: 'detached' });
  // Focus lands on the archive list, not on the page's start.
  // (It moves there once the list has been re-read, right after the row went.)
  await page.waitForFunction(() => document.activeElement?.id === 'archives-title', null, { timeout: 10000 });
  await page
    .getByRole('list', { name: 'Recent archive deletions' })
    .getByText(/deleted by admin/)
    .waitFor();
  await expect(fs.readdir(archives)).resolves.not.toContain('20250101T000000Z_oldest.zip');

  // Retention: keep the last snapshot only, applied now.
  await page.getByText(/keep every snapshot; pre-restore snapshots expire after 30 days/).waitFor();
  await page.getByLabel('Keep the last N snapshots').fill('1');
  await page.getByRole('button', { name: 'Save retention' }).click();
  await page.getByText(/keep the last snapshot; pre-restore snapshots expire after 30 days/).waitFor();
  await page.getByRole('button', { name: 'Apply now' }).click();
  await page.getByText('Retention deleted 1 archive: 20250201T000000Z_older.zip.').waitFor();
  await page
    .getByRole('row')
    .filter({ hasText: '20250201T000000Z_older.zip' })
    .waitFor({ state: 'detached' });
  await page
    .getByRole('list', { name: 'Recent archive deletions' })
    .getByText(/20250201T000000Z_older\.zip.*by retention \(keep the last snapshot\)/)
    .waitFor();
  expect(await rows.count()).toBe(1);
  await shot(page, 'archives-02-retention');
  const files = await fs.readdir(archives);
  expect(files.filter((f) => f.endsWith('.zip'))).toHaveLength(1);
});

test('removing a member goes through the same confirmation, and Cancel gives focus back', async () => {
  const created = await apiAs('POST', '/api/users', {
    username: 'mara',
    password: 'Member-password-1',
    is_admin: false,
    must_change_password: false,
  });
  expect(created.status).toBe(201);
  expect(
    (await apiAs('POST', '/api/runs/fine-run/members', { username: 'mara', role: 'viewer' })).status,
  ).toBe(200);
  await page.goto(`${sys.webUrl}/runs/fine-run/members`);
  const row = page.getByRole('row').filter({ hasText: 'mara' });
  const remove = row.getByRole('button', { name: 'Remove mara' });
  await remove.click();
  const dialog = page.getByRole('dialog', { name: 'Remove mara from fine-run?' });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  expect(await remove.evaluate((b) => b === document.activeElement)).toBe(true);
  await remove.click();
  await dialog.getByRole('button', { name: 'Remove mara' }).click();
  await row.waitFor({ state: 'detached' });
  const members = await apiAs('GET', '/api/runs/fine-run/members');
  expect((members.body as { items: { username: string }[] }).items.map((m) => m.username)).not.toContain(
    'mara',
  );
});

test('deleting a user and revoking a sync token go through the app confirmation, never a native dialog', async () => {
  let native = 0;
  const onDialog = () => {
    native++;
  };
  page.on('dialog', onDialog);
  try {
    expect(
      (
        await apiAs('POST', '/api/users', {
          username: 'leaving',
          password: 'Leaving-password-1',
          role: 'user',
          must_change_password: false,
        })
      ).status,
    ).toBe(201);
    await page.goto(`${sys.webUrl}/admin/users`);
    const row = page.getByRole('row').filter({ hasText: 'leaving' });
    await row.getByRole('button', { name: 'Delete leaving' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete user leaving?' });
    await expect(dialog.textContent()).resolves.toMatch(/galleries/);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await apiAs('GET', '/api/users')).body).toMatchObject({
      items: expect.arrayContaining([expect.objectContaining({ username: 'leaving' })]),
    });
    await row.getByRole('button', { name: 'Delete leaving' }).click();
    await dialog.getByRole('button', { name: 'Delete leaving' }).click();
    await row.waitFor({ state: 'detached' });
    const users = (await apiAs('GET', '/api/users')).body as { items: { username: string }[] };
    expect(users.items.map((u) => u.username)).not.toContain('leaving');

    expect((await apiAs('POST', '/api/sync-tokens', { name: 'lab-b', expires_in_days: 7 })).status).toBe(201);
    await page.goto(`${sys.webUrl}/admin/run-sync`);
    await page.getByRole('button', { name: 'Revoke lab-b' }).click();
    const revoke = page.getByRole('dialog', { name: 'Revoke the sync token "lab-b"?' });
    await revoke.getByRole('button', { name: 'Revoke token' }).click();
    await revoke.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Revoke lab-b' }).waitFor({ state: 'detached' });
    const tokens = (await apiAs('GET', '/api/sync-tokens')).body as {
      items: { name: string; status: string }[];
    };
    expect(tokens.items.find((t) => t.name === 'lab-b')?.status).toBe('revoked');
    expect(native).toBe(0);
  } finally {
    page.off('dialog', onDialog);
  }
});

test('deleting a run says what goes, needs its name typed, and removes it', async () => {
  expect((await apiAs('POST', '/api/runs', { runid: 'doomed-run' })).status).toBe(201);
  await fs.writeFile(path.join(runDir('doomed-run'), 'result.dat'), 'x'.repeat(1000));
  await page.goto(`${sys.webUrl}/runs/doomed-run/settings`);
  await page.getByRole('button', { name: 'Delete this run…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete run doomed-run?' });
  await expect(dialog.textContent()).resolves.toMatch(/directory: 1 file, 1000 B/);
  const go = dialog.getByRole('button', { name: 'Delete doomed-run for good' });
  expect(await go.isDisabled()).toBe(true);
  await dialog.getByLabel('Type doomed-run to confirm').fill('doomed-ru');
  expect(await go.isDisabled()).toBe(true);
  await dialog.getByLabel('Type doomed-run to confirm').fill('doomed-run');
  await shot(page, 'run-delete-01-confirm');
  await go.click();
  await page.getByRole('status').filter({ hasText: 'Deleting doomed-run' }).waitFor();
  for (let i = 0; i < 120; i++) {
    if ((await apiAs('GET', '/api/runs/doomed-run')).status === 404) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect((await apiAs('GET', '/api/runs/doomed-run')).status).toBe(404);
  await expect(fs.stat(runDir('doomed-run'))).rejects.toMatchObject({ code: 'ENOENT' });
});
