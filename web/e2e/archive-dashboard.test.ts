import fs from 'node:fs/promises';
import path from 'node:path';
import { io } from 'socket.io-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createSnapshot } from '@arkive/shared/engine';
import { startSystem, type ArkiveSystem } from './system';
import { launchBrowser, shot } from './browser';
import { apiCall, signIn } from './session';

/**
 * The run archive dashboard end to end in Debian's chromium against the whole system:
 * log in, create a run, archive it (live progress to 100 % without a reload), restore it through
 * the confirm dialog, see both in the history; a viewer gets no Restore button and a 403 anyway.
 */
jest.setTimeout(300000);

let sys: ArkiveSystem;
let browser: Browser;
const RUN = `e2e-${Date.now().toString(36)}`;

beforeAll(async () => {
  sys = await startSystem();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

const login = (ctx: BrowserContext, username: string, password: string): Promise<Page> =>
  signIn(ctx, sys.webUrl, username, password, { from: '/runs' });

const apiAs = (ctx: BrowserContext, method: 'GET' | 'POST', url: string, data?: unknown) =>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  apiCall<any>(ctx, sys.webUrl, method, url, data);

test('archive, watch progress, restore, history; viewer is read-only', async () => {
  const admin = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await admin.newPage();
  await page.goto(`${sys.webUrl}/login`);
  await shot(page, '01-login');
  await page.close();

  const p = await login(admin, sys.adminUsername, sys.adminPassword);
  await expectVisible(p, p.getByRole('heading', { name: 'Runs' }));
  await shot(p, '02-runs-empty');

  // Create a run through the UI, then put a few files in it.
  await p.getByLabel('New run id').fill(RUN);
  await p.getByRole('button', { name: 'Create run' }).click();
  await p.getByRole('link', { name: RUN }).waitFor();
  const runDir = path.join(sys.runsRoot, RUN);
  await fs.mkdir(path.join(runDir, 'data', 'nested'), { recursive: true });
  for (let i = 0; i < 40; i++)
    await fs.writeFile(path.join(runDir, 'data', `file-${i}.txt`), `line ${i}\n`.repeat(2000 + i));
  await fs.writeFile(path.join(runDir, 'data', 'nested', 'keep.txt'), 'original content\n');
  await shot(p, '03-runs');

  // Archive dashboard: create an archive and watch the bar reach 100 % without a reload.
  let navigations = 0;
  await p.getByRole('link', { name: RUN }).click();
  await p.waitForURL(new RegExp(`/runs/${RUN}$`));
  p.on('framenavigated', (f) => {
    if (f === p.mainFrame()) navigations++;
  });
  await p.getByText('No archives yet').waitFor();
  await p.getByText('● Live').waitFor();
  await shot(p, '04-dashboard-empty');
  await p.getByLabel('Label (optional)').fill('before edits');
  const create = p.getByRole('button', { name: 'Create archive' });
  await create.click();
  const bar = p.getByRole('progressbar', { name: 'Operation progress' });
  await bar.waitFor();
  await p.getByText('Archive created.').waitFor({ timeout: 120000 });
  expect(await bar.getAttribute('aria-valuenow')).toBe('100');
  expect(navigations).toBe(0);
  await expect(create.isEnabled()).resolves.toBe(true);
  await p.getByRole('link', { name: `Back to run ${RUN}` }).waitFor();
  const row = p.getByRole('row').filter({ hasText: 'before edits' });
  await row.waitFor();
  await shot(p, '05-dashboard-archived');

  // Change the run, then restore the archive through the confirm dialog.
  await fs.writeFile(path.join(runDir, 'data', 'nested', 'keep.txt'), 'edited after the archive\n');
  await fs.writeFile(path.join(runDir, 'data', 'new-after-archive.txt'), 'should disappear\n');
  await row.getByRole('button', { name: /Restore/ }).click();
  const dialog = p.getByRole('dialog');
  await dialog.waitFor();
  await expect(dialog.textContent()).resolves.toMatch(/except the archives\/ folder will be replaced/);
  await expect(dialog.textContent()).resolves.toMatch(/pre-restore snapshot/);
  // Focus is trapped inside the dialog.
  for (let i = 0; i < 5; i++) {
    await p.keyboard.press('Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await shot(p, '06-restore-modal');
  await p.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await row.getByRole('button', { name: /Restore/ }).click();
  await p.getByRole('dialog').getByRole('button', { name: 'Replace and restore' }).click();
  await p.getByText('Restore finished.').waitFor({ timeout: 120000 });
  expect(navigations).toBe(0);
  await expect(fs.readFile(path.join(runDir, 'data', 'nested', 'keep.txt'), 'utf8')).resolves.toBe(
    'original content\n',
  );
  await expect(fs.stat(path.join(runDir, 'data', 'new-after-archive.txt'))).rejects.toThrow();
  await p.getByText('pre-restore', { exact: true }).first().waitFor();
  await shot(p, '07-dashboard-restored');

  // History lists both operations.
  await p.goto(`${sys.webUrl}/history`);
  await p.getByRole('link', { name: `${RUN} — run-snapshot` }).waitFor();
  await p.getByRole('link', { name: `${RUN} — run-restore` }).waitFor();
  await shot(p, '08-history');
  await p.getByRole('link', { name: `${RUN} — run-restore` }).click();
  await p.getByRole('heading', { name: /run-restore/ }).waitFor();
  await p.getByRole('link', { name: 'Download logs (.txt)' }).waitFor();
  await shot(p, '09-operation-detail');

  // A few NAS folders for the folder browser.
  for (const f of [
    'Production/2024/Project_Alpha',
    'Production/2024/Project_Beta',
    'Archive/2023/Old_Project',
  ]) {
    await fs.mkdir(path.join(sys.world.config.sourceRoot, f), { recursive: true });
    await fs.writeFile(path.join(sys.world.config.sourceRoot, f, 'readme.txt'), `${f}\n`.repeat(100));
    await fs.writeFile(path.join(sys.world.config.sourceRoot, f, 'data.csv'), 'a,b\n'.repeat(5000));
  }
  for (const [url, name] of [
    ['/queue', '10-queue'],
    ['/folders', '11-folders'],
    ['/admin/users', '12-admin-users'],
    ['/settings', '13-settings'],
    [`/runs/${RUN}/members`, '14-members'],
  ] as const) {
    await p.goto(`${sys.webUrl}${url}`);
    await p.getByRole('heading', { level: 1 }).waitFor();
    await p.waitForLoadState('networkidle');
    if (url === '/folders')
      await p.getByRole('button', { name: 'Move to cold storage Project_Alpha' }).waitFor();
    await shot(p, name);
  }

  // A viewer: sees the archives, no Restore button, and the API refuses a restore anyway.
  const created = await apiAs(admin, 'POST', '/api/users', {
    username: 'vera',
    password: 'Viewer-password-1',
    is_admin: false,
    must_change_password: false,
  });
  expect(created.status).toBe(201);
  expect(
    (await apiAs(admin, 'POST', `/api/runs/${RUN}/members`, { username: 'vera', role: 'viewer' })).status,
  ).toBe(200);
  const viewer = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const v = await login(viewer, 'vera', 'Viewer-password-1');
  await v.getByRole('link', { name: RUN }).click();
  // 390 px wide: the archives are cards (list items) with their actions, not a table.
  await v.getByRole('listitem').filter({ hasText: 'before edits' }).waitFor();
  // The viewer may watch the channel: the replayed history shows the last operation.
  await v.getByRole('log', { name: 'Operation messages' }).getByText('RESTORE_COMPLETE').waitFor();
  expect(await v.getByRole('button', { name: /Restore/ }).count()).toBe(0);
  expect(await v.getByRole('button', { name: 'Create archive' }).count()).toBe(0);
  await shot(v, '15-viewer-dashboard-mobile');
  const list = await apiAs(viewer, 'GET', `/api/runs/${RUN}/archives`);
  const name = (list.body as { items: { name: string }[] }).items[0].name;
  const refused = await apiAs(viewer, 'POST', `/api/runs/${RUN}/restore`, { archiveName: name });
  expect(refused.status).toBe(403);

  // Downloads stream through the web server's proxy with Range and Content-Disposition intact.
  const part = await viewer.request.get(`${sys.webUrl}/api/runs/${RUN}/archives/${name}/download`, {
    headers: { range: 'bytes=0-9' },
  });
  expect(part.status()).toBe(206);
  expect(part.headers()['content-range']).toMatch(/^bytes 0-9\/\d+$/);
  expect(part.headers()['content-disposition']).toBe(`attachment; filename="${name}"`);
  expect((await part.body()).subarray(0, 4).toString('hex')).toBe('504b0304');

  // The relay checks channel rights with the viewer's session cookie.
  const cookie = (await viewer.cookies()).find((c) => c.name === 'arkive_session')!;
  const sock = io(sys.webUrl, {
    transports: ['websocket'],
    extraHeaders: { cookie: `arkive_session=${cookie.value}` },
    forceNew: true,
  });
  const join = (channel: string) =>
    new Promise<{ ok: boolean; error?: { code: string } }>((resolve) =>
      sock.emit('join', { channel }, resolve),
    );
  try {
    await new Promise<void>(
      (resolve, reject) => (sock.once('connect', resolve), sock.once('connect_error', reject)),
    );
    expect((await join(`${RUN}:archive`)).ok).toBe(true);
    expect(await join('some-other-run:archive')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await join('gallery:g1:archive')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect((await join('operations')).ok).toBe(true);
  } finally {
    sock.disconnect();
  }
  const anon = io(sys.webUrl, { transports: ['websocket'], forceNew: true, reconnection: false });
  await expect(
    new Promise(
      (resolve, reject) => (
        anon.once('connect', () => reject(new Error('connected without a session'))),
        anon.once('connect_error', (e) => resolve(e.message))
      ),
    ),
  ).resolves.toBe('UNAUTHENTICATED');
  anon.disconnect();

  await viewer.close();

  // A user created with a one-time password must choose a new one before anything else.
  expect(
    (
      await apiAs(admin, 'POST', '/api/users', {
        username: 'newbie',
        password: 'One-time-pass-1',
        is_admin: false,
      })
    ).status,
  ).toBe(201);
  const fresh = await browser.newContext();
  const n = await fresh.newPage();
  await n.goto(`${sys.webUrl}/login`);
  await n.getByLabel('Username').fill('newbie');
  await n.getByLabel('Password').fill('One-time-pass-1');
  await n.getByRole('button', { name: 'Log in' }).click();
  await n.waitForURL(/\/settings\?forced=1/);
  await n.getByText('You must choose a new password').waitFor();
  await shot(n, '19-forced-password-change');
  await n.getByLabel('Current password').fill('One-time-pass-1');
  await n.getByLabel('New password', { exact: true }).fill('My-own-password-2');
  await n.getByLabel('Repeat new password').fill('My-own-password-2');
  await n.getByRole('button', { name: 'Change password' }).click();
  await n.waitForURL(/\/runs$/);
  await n.getByText('No runs yet').waitFor();
  await fresh.close();
  await admin.close();
});

async function expectVisible(_p: Page, loc: ReturnType<Page['getByRole']>) {
  await loc.waitFor({ state: 'visible' });
}

test('folder browser → queue with live step progress → history → job detail', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // Every text the pages ever display, recorded as the DOM changes: the upload stage of a 64 MiB
  // job can last well under a second, shorter than any polling for it.
  await ctx.addInitScript(() => {
    const w = window as unknown as { __shown: string[] };
    w.__shown = [];
    new MutationObserver(() => {
      if (document.body) w.__shown.push(document.body.innerText);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  const p = await login(ctx, sys.adminUsername, sys.adminPassword);
  const src = sys.world.config.sourceRoot;
  // Big enough (incompressible) that the queue page sees Project_Big running while the others wait.
  const big = path.join(src, 'Production', '2025', 'Project_Big');
  await fs.mkdir(big, { recursive: true });
  const { randomBytes } = await import('node:crypto');
  for (let i = 0; i < 4; i++)
    await fs.writeFile(path.join(big, `blob-${i}.bin`), randomBytes(16 * 1024 * 1024));
  await fs.writeFile(path.join(big, 'notes.txt'), 'big project\n');
  for (const f of ['Project_Gamma', 'Project_Delta']) {
    await fs.mkdir(path.join(src, 'Production', '2025', f), { recursive: true });
    await fs.writeFile(path.join(src, 'Production', '2025', f, 'a.csv'), 'x,y\n'.repeat(3000));
    await fs.writeFile(path.join(src, 'Production', '2025', f, 'b.txt'), `${f}\n`);
  }

  for (const name of ['Project_Big', 'Project_Gamma', 'Project_Delta']) {
    await p.goto(`${sys.webUrl}/folders`);
    await p.getByRole('button', { name: 'Refresh folders' }).click();
    await p.getByRole('button', { name: `Move to cold storage ${name}` }).click();
    await p
      .getByRole('dialog')
      .getByRole('button', { name: 'Move to cold storage and empty the source' })
      .click();
    await p.waitForURL(/\/queue$/);
  }
  await p.getByRole('heading', { name: /Queue \(\d+ jobs?\)/ }).waitFor();
  const step = p.getByText(/Step \d of 6: /).first();
  await step.waitFor({ timeout: 60000 });
  await shot(p, '16-queue-running');
  // Live: without a reload the page follows the jobs through upload until the queue drains.
  await p.waitForFunction(
    () =>
      (window as unknown as { __shown: string[] }).__shown.some((t) =>
        /Uploading|Verifying the upload|Emptying the source/.test(t),
      ),
    null,
    { timeout: 120000 },
  );
  await shot(p, '16b-queue-uploading');
  await p.getByText('The queue is empty').waitFor({ timeout: 240000 });
  await p.getByText('Nothing is running').waitFor({ timeout: 240000 });

  const deadline = Date.now() + 120000;
  for (;;) {
    await p.goto(`${sys.webUrl}/history`);
    await p.getByRole('heading', { name: 'History' }).waitFor();
    await p.waitForLoadState('networkidle');
    const done = await Promise.all(
      ['Project_Big', 'Project_Gamma', 'Project_Delta'].map((n) =>
        p
          .getByRole('row')
          .filter({ hasText: `${n} — folder-archive` })
          .getByText('completed', { exact: true })
          .count(),
      ),
    );
    if (done.every((c) => c === 1)) break;
    if (Date.now() > deadline) {
      await shot(p, '17-history-folders-FAILED');
      throw new Error(`folder jobs did not all succeed: ${JSON.stringify(done)}`);
    }
    await p.waitForTimeout(2000);
  }
  await shot(p, '17-history-folders');
  await p.getByRole('link', { name: 'Project_Big — folder-archive' }).click();
  await p.waitForURL(/\/jobs\//);
  await p.getByRole('heading', { name: 'Job: Project_Big' }).waitFor();
  await p.getByText('Destination').waitFor();
  await shot(p, '18-job-detail');
  const txt = await ctx.request.get(
    p.url().replace(/\/jobs\/([^/]+)$/, '/api/operations/$1/logs?format=txt'),
  );
  expect(txt.status()).toBe(200);
  expect(txt.headers()['content-disposition']).toMatch(/attachment; filename=".*\.txt"/);
  await ctx.close();
});

test('restoring an archive without files shows a warning and needs an explicit confirmation', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p = await login(ctx, sys.adminUsername, sys.adminPassword);
  const pageErrors: string[] = [];
  p.on('pageerror', (e) => pageErrors.push(e.message));
  const run = `${RUN}-empty`;
  expect((await apiAs(ctx, 'POST', '/api/runs', { runid: run })).status).toBe(201);
  const runDir = path.join(sys.runsRoot, run);
  await fs.writeFile(path.join(runDir, 'results.dat'), 'weeks of work\n');
  // An Arkive snapshot of an empty folder (the list knows it holds 0 files) and a foreign empty ZIP
  // (file count unknown until the server reads it).
  const emptyDir = path.join(sys.world.dataDir, 'empty-folder');
  await fs.mkdir(emptyDir, { recursive: true });
  await createSnapshot({ runDir: emptyDir, outDir: path.join(runDir, 'archives'), name: 'nothing.zip' });
  await fs.writeFile(
    path.join(runDir, 'archives', 'foreign-empty.zip'),
    Buffer.from(`504b0506${'00'.repeat(18)}`, 'hex'),
  );
  await p.goto(`${sys.webUrl}/runs/${run}`);
  await p.getByText('● Live').waitFor();

  // Foreign ZIP: the first dialog has no warning; the server answers ARCHIVE_EMPTY and the dialog
  // comes back with the warning instead of restoring.
  const foreign = p.getByRole('row').filter({ hasText: 'foreign-empty.zip' });
  await foreign.getByRole('button', { name: /Restore/ }).click();
  expect(await p.getByRole('dialog').getByRole('alert').count()).toBe(0);
  await p.getByRole('dialog').getByRole('button', { name: 'Replace and restore' }).click();
  const warning = p.getByRole('dialog').getByRole('alert');
  await warning.waitFor();
  await expect(warning.textContent()).resolves.toMatch(/holds no files.*leaves the run empty/);
  const emptyIt = p.getByRole('dialog').getByRole('button', { name: 'Empty the run and restore' });
  await expect(emptyIt.isDisabled()).resolves.toBe(true);
  await p.getByRole('dialog').getByRole('button', { name: 'Keep current content' }).click();
  await expect(fs.readFile(path.join(runDir, 'results.dat'), 'utf8')).resolves.toBe('weeks of work\n');

  // Arkive snapshot with 0 files: the warning is there at once; the restore runs only after the box is ticked.
  const nothing = p.getByRole('row').filter({ hasText: 'nothing.zip' });
  await nothing.getByRole('button', { name: /Restore/ }).click();
  await p.getByRole('dialog').getByRole('alert').waitFor();
  await expect(emptyIt.isDisabled()).resolves.toBe(true);
  await shot(p, '22-restore-empty-warning');
  await p
    .getByRole('dialog')
    .getByLabel(`I understand that run ${run} will have no files after this restore`)
    .check();
  await expect(emptyIt.isEnabled()).resolves.toBe(true);
  await emptyIt.click();
  await p.getByText('Restore finished.').waitFor({ timeout: 120000 });
  expect(await fs.readdir(runDir)).toEqual(['archives']);
  // archive files without a database row (no recorded hash) render without breaking the page
  expect(pageErrors).toEqual([]);
  await ctx.close();
});

test('a dashboard opened during an operation starts disabled; cancel and retry follow live', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p = await login(ctx, sys.adminUsername, sys.adminPassword);
  const run = `${RUN}-held`;
  expect((await apiAs(ctx, 'POST', '/api/runs', { runid: run })).status).toBe(201);
  await fs.writeFile(path.join(sys.runsRoot, run, 'a.txt'), 'hello\n');

  // With the compress service stopped the snapshot stays queued: Postgres says an operation is active.
  await sys.stopService('compress');
  const started = await apiAs(ctx, 'POST', `/api/runs/${run}/archives`, { label: 'held' });
  expect(started.status).toBe(202);
  await p.goto(`${sys.webUrl}/runs/${run}`);
  await p.getByText('Waiting in the queue to archive…').waitFor();
  await p.getByText('● Live').waitFor();
  await expect(p.getByRole('button', { name: 'Create archive' }).isDisabled()).resolves.toBe(true);
  await shot(p, '20-dashboard-active-on-load');

  await p.getByRole('button', { name: 'Cancel operation' }).click();
  await p.getByText('Cancelled.').waitFor();
  await expect(p.getByRole('button', { name: 'Create archive' }).isEnabled()).resolves.toBe(true);

  // Retry the cancelled operation from its detail page once the service is back.
  sys.startService('compress');
  await p.goto(`${sys.webUrl}/operations/${(started.body as { operationId: string }).operationId}`);
  await p.getByRole('button', { name: 'Retry' }).click();
  await p.getByText('completed', { exact: true }).first().waitFor({ timeout: 120000 });
  await shot(p, '21-operation-retried');
  await p.goto(`${sys.webUrl}/runs/${run}`);
  await p.getByRole('row').filter({ hasText: 'held' }).waitFor();
  await ctx.close();
});

test('after signing in, /login?next= leads only to this origin', async () => {
  const ctx = await browser.newContext();
  const signIn = async (next: string) => {
    const page = await ctx.newPage();
    await page.goto(`${sys.webUrl}/login?next=${next}`);
    await page.getByLabel('Username').fill(sys.adminUsername);
    await page.getByLabel('Password').fill(sys.adminPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.pathname !== '/login', { timeout: 20000 });
    const landed = new URL(page.url());
    await page.close();
    return landed;
  };
  // Encoded as they arrive in the query string: "/\evil.example/phish", "/<TAB>/evil.example", …
  for (const next of [
    '/%5Cevil.example/phish',
    '/%09/evil.example',
    '%2F%2Fevil.example',
    'https://evil.example/',
  ]) {
    const landed = await signIn(next);
    expect({ next, at: landed.origin + landed.pathname }).toEqual({ next, at: `${sys.webUrl}/runs` });
  }
  const kept = await signIn(encodeURIComponent('/queue?from=login'));
  expect(kept.href).toBe(`${sys.webUrl}/queue?from=login`);
  await ctx.close();
});

test('a folder job is cancelled and retried from its page in its second stage (upload-verify)', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p = await login(ctx, sys.adminUsername, sys.adminPassword);
  const rel = 'Production/2026/Two_Stage';
  const folder = path.join(sys.world.config.sourceRoot, rel);
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path.join(folder, 'take.mov'), 'frame\n'.repeat(20000));
  const storage = sys.world.config.storageRoot;
  const archiveOf = (id: string) => path.join(storage, 'archives', id, 'Two_Stage.tar.7z');
  const exists = (f: string) =>
    fs.stat(f).then(
      () => true,
      () => false,
    );

  // With upload-verify stopped the job stops between its queues: "Waiting for: Uploading".
  await sys.stopService('upload-verify');
  const created = await apiAs(ctx, 'POST', '/api/jobs', { folder_path: rel });
  expect(created.status).toBe(201);
  const id = (created.body as { job_id: string }).job_id;
  await p.goto(`${sys.webUrl}/jobs/${id}`);
  await p.getByText('Waiting for: Uploading', { exact: true }).waitFor({ timeout: 60000 });
  expect(await exists(archiveOf(id))).toBe(true);
  await shot(p, '22-job-waiting-for-upload');
  await p.getByRole('button', { name: 'Cancel' }).click();
  await p.getByText('cancelled').first().waitFor();
  expect(await exists(archiveOf(id))).toBe(false); // the kind's clean-up, with no worker running
  expect(await fs.readdir(folder)).toEqual(['take.mov']);

  // Retry: the tested archive is gone, so it starts over and stops again before the upload...
  await p.getByRole('button', { name: 'Retry' }).click();
  await p.getByText('Waiting for: Uploading', { exact: true }).waitFor({ timeout: 60000 });
  // ...then the local archive disappears: the upload stage fails, naming what to do.
  await fs.rm(archiveOf(id));
  sys.startService('upload-verify');
  await p.getByText('failed').first().waitFor({ timeout: 60000 });
  await p
    .getByRole('region', { name: 'Details' })
    .getByText(/local archive for this job is gone/)
    .waitFor();
  await shot(p, '23-job-failed-in-upload');
  await p.getByRole('button', { name: 'Retry' }).click();
  await p.getByText('completed', { exact: true }).first().waitFor({ timeout: 120000 });
  expect(await fs.readdir(folder)).toEqual(['Two_Stage-ARCHIVED-TO-GLOBUS.txt']);
  await shot(p, '24-job-retried-succeeded');
  await ctx.close();
});
