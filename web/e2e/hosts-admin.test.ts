import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { io as connect, type Socket } from 'socket.io-client';
import {
  EventPublisher,
  heartbeatHost,
  parseConfig,
  type ArkiveEvent,
  type ClientToServerEvents,
  type JoinAck,
  type ServerToClientEvents,
} from '@arkive/shared';
import { startSystem, type ArkiveSystem } from './system';
import { launchBrowser, shot } from './browser';
import { apiCall, signIn } from './session';

/**
 * The host admin page in chromium against the whole system (API, backup service, web): real host
 * rows, a force-off dialog that lists what may be lost, a turn-off that really backs up a run with
 * restic and ends with the host off; then a second web process relays the same live events.
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

const hostId = () => sys.world.config.hostId;

test('hosts table, force-off dialog with what may be lost, a turn-off that backs up a run and ends off', async () => {
  // A second host row (as its workers would write it), with a run never backed up.
  const h2 = parseConfig({ ...sys.world.env, HOST_ID: 'h2', RUNS_ROOT: '/srv/h2/runs' });
  await heartbeatHost(sys.world.prisma, h2, true);
  await sys.world.prisma.run.create({ data: { id: 'on-h2', hostId: 'h2' } });
  // A run on this host with content and no backup yet.
  expect((await apiAs('POST', '/api/runs', { runid: 'to-save' })).status).toBe(201);
  await fs.writeFile(path.join(sys.runsRoot, 'to-save', 'data.txt'), 'precious '.repeat(5000));

  await page.goto(`${sys.webUrl}/runs`);
  // admins' pages sit behind the bar's Admin menu
  await page.getByRole('button', { name: 'Admin' }).click();
  await shot(page, 'hosts-00-admin-menu');
  await page.getByRole('link', { name: 'Hosts' }).click();
  await page.waitForURL(/\/admin\/hosts$/);
  const row = (id: string) => page.locator(`tr[data-host="${id}"]`);
  await row(hostId()).getByText('online', { exact: true }).waitFor();
  await row('h2').getByText('online', { exact: true }).waitFor();
  await row(hostId())
    .getByText(/\d+ s ago/)
    .waitFor();
  await row(hostId())
    .getByText(/free of/)
    .waitFor();
  await shot(page, 'hosts-01-table');

  // Force off h2: the dialog names the run that may lose changes and wants the host id typed.
  await row('h2').getByRole('button', { name: 'Details of h2' }).click();
  const h2Details = page.locator('[data-host-details="h2"]');
  await h2Details.locator('[data-host-run="on-h2"]').getByText('not backed up since last edit').waitFor();
  await h2Details.getByRole('button', { name: 'Force off' }).click();
  const dialog = page.getByRole('dialog', { name: 'Force host h2 off?' });
  await dialog.getByText('What may be lost: 1 run changed after its last backup:').waitFor();
  await expect(dialog.getByRole('list', { name: 'Runs that may lose changes' }).textContent()).resolves.toBe(
    'on-h2: never backed up',
  );
  const forceBtn = dialog.getByRole('button', { name: 'Force h2 off' });
  expect(await forceBtn.isDisabled()).toBe(true);
  await dialog.getByLabel('Type h2 to confirm').fill('h');
  expect(await forceBtn.isDisabled()).toBe(true);
  await dialog.getByLabel('Type h2 to confirm').fill('h2');
  await shot(page, 'hosts-02-force-off');
  await forceBtn.click();
  await h2Details.getByRole('status').filter({ hasText: 'changes may be lost: on-h2' }).waitFor();
  await row('h2').getByText('off', { exact: true }).waitFor();
  await h2Details.getByRole('button', { name: 'Turn back on' }).waitFor();

  // Turn this host off: the confirmation says backups come first; live progress; then off.
  await row(hostId())
    .getByRole('button', { name: `Details of ${hostId()}` })
    .click();
  const details = page.locator(`[data-host-details="${hostId()}"]`);
  await details.locator('[data-host-run="to-save"]').getByText('not backed up since last edit').waitFor();
  await details.getByRole('button', { name: 'Turn off' }).click();
  const confirm = page.getByRole('dialog', { name: `Turn off host ${hostId()}?` });
  await confirm.getByText(/every run on it\s+that changed since its last backup is backed up/).waitFor();
  await confirm.getByText(/Only when every backup succeeded is the host marked off/).waitFor();
  await confirm.getByRole('button', { name: `Back up and turn off ${hostId()}` }).click();
  await details.locator('[data-turn-off]').waitFor();
  await details.locator('[data-turn-off="succeeded"]').waitFor({ timeout: 120000 });
  await expect(details.getByTestId('turn-off-summary').textContent()).resolves.toMatch(
    /^1 of 1 runs backed up \(\d+(\.\d+)? KB\)/,
  );
  await row(hostId()).getByText('off', { exact: true }).waitFor();
  await details
    .locator('[data-host-run="to-save"]')
    .getByText('not backed up since last edit')
    .waitFor({ state: 'detached' });
  await shot(page, 'hosts-03-turned-off');
  const backups = await sys.world.prisma.backup.findMany({ where: { runId: 'to-save' } });
  expect(backups.map((b) => b.purpose)).toEqual(['turn-off']);
  expect((await sys.world.prisma.host.findUniqueOrThrow({ where: { id: hostId() } })).status).toBe('off');
  // While off, no run is placed here.
  expect((await apiAs('POST', '/api/runs', { runid: 'while-off' })).body).toMatchObject({
    error: { code: 'HOST_DRAINING' },
  });

  // Back on.
  await details.getByRole('button', { name: 'Turn back on' }).click();
  await row(hostId()).getByText('online', { exact: true }).waitFor();

  // A phone: the page does not overflow sideways (the table scrolls inside its card).
  await page.setViewportSize({ width: 375, height: 800 });
  await page.waitForTimeout(300);
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(widths[0]).toBeLessThanOrEqual(widths[1]);
  await shot(page, 'hosts-04-mobile');
  await page.setViewportSize({ width: 1280, height: 900 });
});

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

test('two web processes relay the same live events: one publish reaches a client on each, once', async () => {
  const second = await sys.startWebReplica();
  const cookie = (await ctx.cookies()).find((c) => c.name === 'arkive_session');
  expect(cookie).toBeDefined();
  const clients: Client[] = [sys.webUrl, second].map((url) =>
    connect(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: { cookie: `arkive_session=${cookie!.value}`, origin: url },
    }),
  );
  try {
    await Promise.all(
      clients.map(
        (c) =>
          new Promise<void>((ok, fail) => (c.once('connect', () => ok()), c.once('connect_error', fail))),
      ),
    );
    const channel = `host:${hostId()}`;
    const got = clients.map(() => [] as ArkiveEvent[]);
    clients.forEach((c, i) => c.on('event', (e) => e.channel === channel && got[i].push(e)));
    for (const c of clients)
      expect(await new Promise<JoinAck>((ok) => c.emit('join', { channel }, ok))).toMatchObject({ ok: true });
    const replayed = got.map((g) => g.length);
    const publisher = new EventPublisher(sys.world.redis, sys.world.prefix);
    await publisher.publish(channel, {
      type: 'STATUS',
      operationId: '00000000-0000-4000-8000-000000000001',
      ts: new Date().toISOString(),
      message: 'published once',
    });
    const deadline = Date.now() + 10000;
    while (got.some((g) => !g.some((e) => e.message === 'published once')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    expect(got.map((g, i) => g.slice(replayed[i]).map((e) => e.message))).toEqual([
      ['published once'],
      ['published once'],
    ]);
    // Both carry the same stream id: the same event, relayed by each process from Redis.
    expect(got[0].at(-1)!.id).toBe(got[1].at(-1)!.id);
  } finally {
    for (const c of clients) c.disconnect();
  }
});
