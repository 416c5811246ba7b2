import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { heartbeatHost, hostTurnOff, parseConfig, runPath } from '@arkive/shared';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';
import { makeUser, type TestUser } from '../../test-support/users';

/**
 * The host admin routes against real Postgres and Redis (no backup worker runs here: the turn-off's
 * work is tested in services/backup/src/host-turn-off and end to end in web/e2e/hosts-admin).
 */
let api: ApiWorld;
let alice: TestUser, admin: TestUser;
const hours = (h: number) => new Date(Date.now() - h * 3600_000);

beforeAll(async () => {
  api = await createApiWorld();
  alice = await makeUser(api, 'alice');
  admin = await makeUser(api, 'admin', { isAdmin: true });
});
afterAll(() => api.close());

async function host(id: string) {
  await heartbeatHost(
    api.deps.prisma,
    parseConfig({ ...api.world.env, HOST_ID: id, RUNS_ROOT: `/srv/${id}/runs` }),
    true,
  );
}

test('GET /api/hosts/:id: its runs with last backup, freshness and size, moves and copies touching it; admins only', async () => {
  await host('ga');
  await host('gb');
  const p = api.deps.prisma;
  await p.run.create({
    data: { id: 'ga-fresh', hostId: 'ga', lastBackupAt: hours(1), lastEditedAt: hours(2) },
  });
  await p.run.create({
    data: { id: 'ga-stale', hostId: 'ga', lastBackupAt: hours(3), lastEditedAt: hours(1) },
  });
  await p.run.create({ data: { id: 'ga-never', hostId: 'ga' } });
  await p.run.create({ data: { id: 'gb-run', hostId: 'gb' } });
  const repo = await p.backupRepo.create({ data: { id: 'r-ga', region: 'local', location: '/tmp/none' } });
  for (const [t, bytes] of [
    [3, 100],
    [1, 250],
  ] as const)
    await p.backup.create({
      data: {
        runId: 'ga-fresh',
        repoId: repo.id,
        snapshotId: `s${t}`,
        time: hours(t),
        files: 1,
        bytes,
        bytesAdded: 1,
      },
    });
  // Operations of the move and copy kinds (built on other branches), matched by kind name.
  const op = (
    kind: string,
    scopeId: string,
    input: object,
    hostId: string | null = null,
    status = 'queued',
  ) =>
    p.operation.create({
      data: { kind, queue: 'restore', scopeType: 'run', scopeId, input, hostId, status: status as 'queued' },
    });
  const moveIn = await op('run-move', 'gb-run', { runid: 'gb-run', destHostId: 'ga' }, 'gb');
  const copyOut = await op('run-copy', 'elsewhere', {
    src: { runid: 'ga-stale', paths: ['a'] },
    dests: [{ runid: 'x', path: '.' }],
  });
  await op('run-move', 'gb-run', { runid: 'gb-run', destHostId: 'gc' }, 'gb'); // not ga's
  await op('run-move', 'ga-never', { runid: 'ga-never', destHostId: 'gb' }, 'ga', 'succeeded'); // finished

  const res = await request(api.app).get('/api/hosts/ga').set(admin.auth).expect(200);
  expect(res.body).toMatchObject({ id: 'ga', status: 'online', runs: 3, stale_runs: 2, turn_off: null });
  expect(res.body.run_list).toEqual([
    expect.objectContaining({ runid: 'ga-fresh', stale: false, size_bytes: 250, backups: 2 }),
    expect.objectContaining({ runid: 'ga-never', stale: true, size_bytes: null, last_backup_at: null }),
    expect.objectContaining({ runid: 'ga-stale', stale: true, size_bytes: null, backups: 0 }),
  ]);
  expect(res.body.pending_transfers.map((t: { operation_id: string }) => t.operation_id).sort()).toEqual(
    [moveIn.id, copyOut.id].sort(),
  );
  await request(api.app).get('/api/hosts/ga').set(alice.auth).expect(403);
  await request(api.app).get('/api/hosts/ga').expect(401);
  const missing = await request(api.app).get('/api/hosts/nope').set(admin.auth).expect(404);
  expect(missing.body.error.code).toBe('HOST_NOT_FOUND');
});

test('POST /api/hosts/:id/turn-off: 202, draining at once (no new placements), one at a time, refused when off', async () => {
  await host('ta');
  await request(api.app).post('/api/hosts/ta/turn-off').set(alice.auth).expect(403);
  const missing = await request(api.app).post('/api/hosts/nope/turn-off').set(admin.auth).expect(404);
  expect(missing.body.error.code).toBe('HOST_NOT_FOUND');
  const res = await request(api.app).post('/api/hosts/ta/turn-off').set(admin.auth).expect(202);
  expect(res.body).toMatchObject({ channel: 'host:ta', status: 'queued' });
  const op = await api.deps.prisma.operation.findUniqueOrThrow({ where: { id: res.body.operationId } });
  expect(op).toMatchObject({
    kind: hostTurnOff.kind,
    scopeType: 'host',
    scopeId: 'ta',
    hostId: 'ta',
    queue: 'backup',
  });
  expect((await api.deps.prisma.host.findUniqueOrThrow({ where: { id: 'ta' } })).status).toBe('draining');
  // Its job waits on the host's own backup queue.
  const job = await api.deps.queues.get('backup@ta').getJob(op.id);
  expect(job?.data).toMatchObject({ hostId: 'ta' });

  const again = await request(api.app).post('/api/hosts/ta/turn-off').set(admin.auth).expect(409);
  expect(again.body.error).toMatchObject({
    code: 'HOST_TURN_OFF_ACTIVE',
    details: { activeOperationId: op.id },
  });
  // Undrain is refused while it runs; the page shows it.
  const undrain = await request(api.app).post('/api/hosts/ta/undrain').set(admin.auth).expect(409);
  expect(undrain.body.error.code).toBe('HOST_TURN_OFF_ACTIVE');
  const detail = await request(api.app).get('/api/hosts/ta').set(admin.auth).expect(200);
  expect(detail.body.turn_off).toMatchObject({ operation_id: op.id, status: 'queued', runs_total: 0 });

  await api.deps.prisma.host.update({ where: { id: 'ta' }, data: { status: 'off' } });
  await api.deps.prisma.operation.update({ where: { id: op.id }, data: { status: 'cancelled' } });
  const off = await request(api.app).post('/api/hosts/ta/turn-off').set(admin.auth).expect(409);
  expect(off.body.error.code).toBe('HOST_OFF');
});

test('POST /api/hosts/:id/force-off: the typed id, then off at once with what may be lost; undrain turns it back on', async () => {
  await host('fa');
  const p = api.deps.prisma;
  await p.run.create({
    data: { id: 'fa-stale', hostId: 'fa', lastBackupAt: hours(5), lastEditedAt: hours(1) },
  });
  await p.run.create({
    data: { id: 'fa-fresh', hostId: 'fa', lastBackupAt: hours(1), lastEditedAt: hours(5) },
  });
  for (const body of [undefined, {}, { confirm: 'FA' }]) {
    const r = await request(api.app).post('/api/hosts/fa/force-off').set(admin.auth).send(body).expect(400);
    expect(r.body.error.code).toBe('CONFIRMATION_REQUIRED');
  }
  await request(api.app).post('/api/hosts/fa/force-off').set(alice.auth).send({ confirm: 'fa' }).expect(403);
  await request(api.app)
    .post('/api/hosts/nope/force-off')
    .set(admin.auth)
    .send({ confirm: 'nope' })
    .expect(404);
  // A turn-off in progress is cancelled by the force-off.
  const started = await request(api.app).post('/api/hosts/fa/turn-off').set(admin.auth).expect(202);
  const res = await request(api.app)
    .post('/api/hosts/fa/force-off')
    .set(admin.auth)
    .send({ confirm: 'fa' })
    .expect(200);
  expect(res.body).toMatchObject({
    id: 'fa',
    status: 'off',
    cancelled_operation_id: started.body.operationId,
  });
  expect(res.body.at_risk.map((r: { runid: string }) => r.runid)).toEqual(['fa-stale']);
  expect(res.body.message).toMatch(/1 run\(s\) changed after their last backup.*fa-stale/);
  expect((await p.operation.findUniqueOrThrow({ where: { id: started.body.operationId } })).status).toBe(
    'cancelled',
  );
  expect((await p.host.findUniqueOrThrow({ where: { id: 'fa' } })).status).toBe('off');
  const twice = await request(api.app)
    .post('/api/hosts/fa/force-off')
    .set(admin.auth)
    .send({ confirm: 'fa' })
    .expect(409);
  expect(twice.body.error.code).toBe('HOST_OFF');
  const listed = await request(api.app).get('/api/hosts').set(admin.auth).expect(200);
  expect(listed.body.items.find((h: { id: string }) => h.id === 'fa').status).toBe('off');

  const on = await request(api.app).post('/api/hosts/fa/undrain').set(admin.auth).expect(200);
  expect(on.body).toEqual({ id: 'fa', status: 'online' });
  // nothing at risk: a force-off says so
  await p.run.update({ where: { id: 'fa-stale' }, data: { lastBackupAt: new Date() } });
  const clean = await request(api.app)
    .post('/api/hosts/fa/force-off')
    .set(admin.auth)
    .send({ confirm: 'fa' })
    .expect(200);
  expect(clean.body.at_risk).toEqual([]);
  expect(clean.body.message).toMatch(/nothing is lost/);
});

test("force-off of the API's own host scans its runs' directories for edits not yet recorded", async () => {
  const cfg = api.deps.config;
  await heartbeatHost(api.deps.prisma, cfg, true);
  const runid = 'own-edited';
  await fs.mkdir(runPath(cfg.runsRoot, runid), { recursive: true });
  await api.deps.prisma.run.create({
    data: { id: runid, hostId: cfg.hostId, lastBackupAt: hours(1), lastEditedAt: hours(2) },
  });
  await fs.writeFile(path.join(runPath(cfg.runsRoot, runid), 'new.txt'), 'changed just now');
  const before = await request(api.app).get(`/api/hosts/${cfg.hostId}`).set(admin.auth).expect(200);
  expect(before.body.run_list.find((r: { runid: string }) => r.runid === runid).stale).toBe(false);
  const res = await request(api.app)
    .post(`/api/hosts/${cfg.hostId}/force-off`)
    .set(admin.auth)
    .send({ confirm: cfg.hostId })
    .expect(200);
  expect(res.body.at_risk.map((r: { runid: string }) => r.runid)).toContain(runid);
  await request(api.app).post(`/api/hosts/${cfg.hostId}/undrain`).set(admin.auth).expect(200);
});
