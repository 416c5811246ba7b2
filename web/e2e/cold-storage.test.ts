import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startSystem, type ArkiveSystem } from './system';
import { launchBrowser, shot } from './browser';
import { apiCall, signIn } from './session';

/**
 * Cold storage in Debian's chromium against the whole system (issue 12, items 1-3): a plain user sees
 * no folder actions and the API refuses them (403 ROLE_REQUIRED); an operator confirms "Move to cold
 * storage" in a dialog naming the folder, size, file count, bucket and key; the folder stays listed
 * as archived with its record; "Restore from cold storage" brings it back byte for byte.
 */
jest.setTimeout(420000);

let sys: ArkiveSystem;
let browser: Browser;
const FOLDER = `Production/2026/Shoot_${Date.now().toString(36)}`;
const NAME = path.basename(FOLDER);
const PASSWORD = 'Cold-storage-e2e-pw-1';

beforeAll(async () => {
  sys = await startSystem();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

/** Every entry under `dir`: relative path → SHA-256 of a file, `dir` for a directory. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        out[path.relative(dir, p)] = 'dir';
        await walk(p);
      } else
        out[path.relative(dir, p)] = createHash('sha256')
          .update(await fs.readFile(p))
          .digest('hex');
    }
  };
  await walk(dir);
  return out;
}

const login = (ctx: BrowserContext, username: string, password: string): Promise<Page> =>
  signIn(ctx, sys.webUrl, username, password, { from: '/runs' });

const apiAs = (ctx: BrowserContext, method: 'GET' | 'POST', url: string, data?: unknown) =>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  apiCall<any>(ctx, sys.webUrl, method, url, data);

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 180000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('role refusal, cold-storage confirmation, archived listing and a byte-identical restore', async () => {
  const abs = path.join(sys.world.config.sourceRoot, FOLDER);
  await fs.mkdir(path.join(abs, 'takes', 'empty'), { recursive: true });
  await fs.writeFile(path.join(abs, 'clip.mov'), randomBytes(300 * 1024));
  for (let i = 0; i < 5; i++)
    await fs.writeFile(path.join(abs, 'takes', `take-${i}.txt`), `take ${i}\n`.repeat(300 + i));
  const original = await tree(abs);

  const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await login(adminCtx, sys.adminUsername, sys.adminPassword);
  for (const [username, role] of [
    ['plain', 'user'],
    ['oper', 'operator'],
  ])
    expect(
      (
        await apiAs(adminCtx, 'POST', '/api/users', {
          username,
          password: PASSWORD,
          role,
          must_change_password: false,
        })
      ).status,
    ).toBe(201);

  // A plain user: the folder is listed, but there is no action, and the API refuses anyway.
  const plainCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const pp = await login(plainCtx, 'plain', PASSWORD);
  await pp.goto(`${sys.webUrl}/folders`);
  const plainRow = pp.getByRole('row').filter({ hasText: NAME });
  await plainRow.waitFor();
  await pp.getByTestId('role-note').waitFor();
  expect(await pp.getByRole('button', { name: /Move to cold storage/ }).count()).toBe(0);
  await shot(pp, 'cold-01-plain-user-folders');
  for (const url of ['/api/jobs', '/api/folders/retrieve']) {
    const refused = await apiAs(plainCtx, 'POST', url, { folder_path: FOLDER });
    expect([refused.status, refused.body?.error?.code]).toEqual([403, 'ROLE_REQUIRED']);
  }
  expect(await tree(abs)).toEqual(original);

  // An operator: the confirmation names what happens; Cancel queues nothing.
  const opCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const op = await login(opCtx, 'oper', PASSWORD);
  await op.goto(`${sys.webUrl}/folders`);
  const row = op.getByRole('row').filter({ hasText: NAME });
  await row.getByRole('button', { name: `Move to cold storage ${NAME}` }).click();
  const dialog = op.getByRole('dialog');
  await dialog.waitFor();
  const listed = (await apiAs(opCtx, 'GET', `/api/folders?q=${NAME}`)).body as {
    size_bytes: number;
    file_count: number;
    destination_bucket: string;
    destination_key: string;
  }[];
  const folder = listed[0];
  expect(folder.destination_key).toBe(`${FOLDER}.tar.7z`);
  const text = (await dialog.textContent()) ?? '';
  expect(text).toContain(`Move ${NAME} to cold storage?`);
  expect(text).toContain(FOLDER);
  expect(text).toContain(`${folder.file_count} files`);
  expect(folder.file_count).toBe(6);
  expect(text).toContain(folder.destination_bucket);
  expect(text).toContain(folder.destination_key);
  expect(text).toContain('The source will be emptied after the copy is verified');
  await shot(op, 'cold-02-confirmation');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  expect((await apiAs(opCtx, 'GET', '/api/jobs')).body).toEqual([]);

  await row.getByRole('button', { name: `Move to cold storage ${NAME}` }).click();
  await op
    .getByRole('dialog')
    .getByRole('button', { name: 'Move to cold storage and empty the source' })
    .click();
  await op.waitForURL(/\/queue$/);
  const jobs = (await apiAs(opCtx, 'GET', '/api/jobs')).body as { job_id: string; folder_path: string }[];
  expect(jobs.map((j) => j.folder_path)).toEqual([FOLDER]);
  const jobId = jobs[0].job_id;
  const job = await until('the cold-storage job', async () => {
    const j = (await apiAs(opCtx, 'GET', `/api/jobs/${jobId}`)).body;
    if (j?.status === 'failed') throw new Error(`job failed: ${j.error_message}`);
    return j?.status === 'completed' ? j : undefined;
  });
  expect(await fs.readdir(abs)).toEqual([`${NAME}-ARCHIVED-TO-GLOBUS.txt`]);

  // Archived folders stay listed, with date, who, bucket key, size and SHA-256.
  await op.goto(`${sys.webUrl}/folders`);
  const archivedRow = op.getByRole('row').filter({ hasText: NAME });
  await archivedRow.getByText('Archived', { exact: true }).first().waitFor();
  const rowText = (await archivedRow.textContent()) ?? '';
  expect(rowText).toContain('by oper');
  expect(rowText).toContain(`${job.bucket}/${FOLDER}.tar.7z`);
  expect(await archivedRow.getByTestId('archive-sha256').textContent()).toBe(job.sha256);
  await shot(op, 'cold-03-archived-listed');
  // The plain user sees the archived folder too, without a Restore button.
  await pp.goto(`${sys.webUrl}/folders`);
  await pp
    .getByRole('row')
    .filter({ hasText: NAME })
    .getByText('Archived', { exact: true })
    .first()
    .waitFor();
  expect(await pp.getByRole('button', { name: /Restore from cold storage/ }).count()).toBe(0);

  // Restore from cold storage: confirmation, live operation page, the folder back byte for byte.
  await archivedRow.getByRole('button', { name: `Restore from cold storage ${NAME}` }).click();
  const rdialog = op.getByRole('dialog');
  expect(await rdialog.textContent()).toContain('The object stays in the bucket');
  await rdialog.getByRole('button', { name: 'Restore the folder from cold storage' }).click();
  await op.waitForURL(/\/operations\/[0-9a-f-]{36}$/);
  const retrieveId = op.url().split('/').pop() as string;
  await until('the retrieval', async () => {
    const o = (await apiAs(opCtx, 'GET', `/api/operations/${retrieveId}`)).body;
    if (o?.status === 'failed') throw new Error(`retrieval failed: ${o.error}`);
    return o?.status === 'succeeded' ? o : undefined;
  });
  await op
    .getByText(/succeeded|completed/i)
    .first()
    .waitFor();
  await shot(op, 'cold-04-retrieved');
  expect(await tree(abs)).toEqual(original);
  expect(await fs.readdir(path.dirname(abs))).toEqual([NAME]);

  await op.goto(`${sys.webUrl}/folders`);
  await op.getByRole('row').filter({ hasText: NAME }).getByText('Ready', { exact: true }).waitFor();
  await op.getByRole('button', { name: `Move to cold storage ${NAME}` }).waitFor();
  await Promise.all([adminCtx.close(), plainCtx.close(), opCtx.close()]);
});
