import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { LOCK_FILE_SUFFIX, replayEvents, runPath } from '@arkive/shared';
import { writeLegacyRun } from '@arkive/shared/migration';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';
import { makeUser, type TestUser } from '../../test-support/users';

let api: ApiWorld;
let admin: TestUser;
let olga: TestUser; // owner of every test run
let carl: TestUser; // collaborator
let sam: TestUser; // stranger
let n = 0;

beforeAll(async () => {
  api = await createApiWorld();
  admin = await makeUser(api, 'root', { isAdmin: true });
  olga = await makeUser(api, 'olga');
  carl = await makeUser(api, 'carl');
  sam = await makeUser(api, 'sam');
});
afterAll(() => api.close());

async function legacy() {
  const runid = `apimig-${++n}-${randomBytes(3).toString('hex')}`;
  const dir = runPath(api.world.config.runsRoot, runid);
  await fs.mkdir(dir, { recursive: true });
  await writeLegacyRun(dir, runid);
  await api.world.prisma.run.create({
    data: {
      id: runid,
      createdBy: 'olga',
      members: {
        create: [
          { userId: olga.id, role: 'owner' },
          { userId: carl.id, role: 'collaborator' },
        ],
      },
    },
  });
  return { runid, dir };
}

test('GET /api/runs/:runid/migration: version, traits detected now, planned order, no last migration yet', async () => {
  const { runid } = await legacy();
  const res = await request(api.app).get(`/api/runs/${runid}/migration`).set(carl.auth).expect(200);
  expect(res.body).toMatchObject({
    runid,
    version: 0,
    current_version: 1000,
    needs_migration: true,
    planned: ['legacy-run-paths', 'wbt-geojson-ids', 'landuse-parquet-ids'],
    last: null,
    active: null,
    channel: `${runid}:migration`,
  });
  expect(res.body.traits.map((t: { id: string; detected: boolean }) => [t.id, t.detected])).toEqual([
    ['legacy-run-paths', true],
    ['wbt-geojson-ids', true],
    ['landuse-parquet-ids', true],
  ]);
  await request(api.app).get(`/api/runs/${runid}/migration`).set(sam.auth).expect(404);
});

test('POST /api/runs/:runid/migration: owners and admins only; 202 with the <runid>:migration channel', async () => {
  const { runid } = await legacy();
  const post = (u: TestUser, body: unknown) =>
    request(api.app)
      .post(`/api/runs/${runid}/migration`)
      .set(u.auth)
      .send(body as object);
  expect((await post(sam, { mode: 'validate' }).expect(404)).body.error.code).toBe('RUN_NOT_FOUND');
  await post(carl, { mode: 'validate' }).expect(403);
  expect((await post(olga, { mode: 'teleport' }).expect(400)).body.error.code).toBeDefined();
  const res = await post(olga, { mode: 'validate' }).expect(202);
  expect(res.body).toMatchObject({ channel: `${runid}:migration`, status: 'queued' });
  const op = await api.world.prisma.operation.findUniqueOrThrow({ where: { id: res.body.operationId } });
  expect(op).toMatchObject({
    kind: 'run-migration-validate',
    scopeId: runid,
    createdBy: 'olga',
    queue: 'migration',
  });
  const events = await replayEvents(api.world.redis, api.world.prefix, `${runid}:migration`);
  expect(events.map((e) => e.type)).toEqual(['ENQUEUED']);
  const dry = await post(admin, { mode: 'dry-run' }).expect(202);
  expect(
    (await api.world.prisma.operation.findUniqueOrThrow({ where: { id: dry.body.operationId } })).kind,
  ).toBe('run-migration-dry-run');
});

test('migrate refuses a locked run (409 RUN_LOCKED) and a second migration of the same run (409)', async () => {
  const { runid, dir } = await legacy();
  await fs.writeFile(path.join(dir, `watershed${LOCK_FILE_SUFFIX}`), '');
  const locked = await request(api.app)
    .post(`/api/runs/${runid}/migration`)
    .set(olga.auth)
    .send({ mode: 'migrate' })
    .expect(409);
  expect(locked.body.error.code).toBe('RUN_LOCKED');
  await fs.rm(path.join(dir, `watershed${LOCK_FILE_SUFFIX}`));
  await request(api.app)
    .post(`/api/runs/${runid}/migration`)
    .set(olga.auth)
    .send({ mode: 'migrate' })
    .expect(202);
  const again = await request(api.app)
    .post(`/api/runs/${runid}/migration`)
    .set(olga.auth)
    .send({ mode: 'migrate' })
    .expect(409);
  expect(again.body.error.code).toBe('OPERATION_ACTIVE');
  const status = await request(api.app).get(`/api/runs/${runid}/migration`).set(olga.auth).expect(200);
  expect(status.body.active).toMatchObject({ kind: 'run-migration', status: 'queued' });
});

test('GET /api/migrations/scan: admins only, cached until refreshed', async () => {
  const { runid } = await legacy();
  await request(api.app).get('/api/migrations/scan').set(olga.auth).expect(403);
  const first = await request(api.app).get('/api/migrations/scan?refresh=true').set(admin.auth).expect(200);
  expect(first.body.cached).toBe(false);
  expect(first.body.runs.find((r: { runid: string }) => r.runid === runid)).toMatchObject({
    version: 0,
    traits: ['legacy-run-paths', 'wbt-geojson-ids', 'landuse-parquet-ids'],
    needsMigration: true,
    is_fixture: false,
  });
  const { runid: later } = await legacy();
  const second = await request(api.app).get('/api/migrations/scan').set(admin.auth).expect(200);
  expect(second.body).toMatchObject({ cached: true, scannedAt: first.body.scannedAt });
  expect(second.body.runs.some((r: { runid: string }) => r.runid === later)).toBe(false);
  const fresh = await request(api.app).get('/api/migrations/scan?refresh=1').set(admin.auth).expect(200);
  expect(fresh.body.runs.some((r: { runid: string }) => r.runid === later)).toBe(true);
});

test('PUT /api/migrations/:runid/fixture: admins flag a succeeded pre/post pair', async () => {
  const { runid } = await legacy();
  const put = (u: TestUser) =>
    request(api.app).put(`/api/migrations/${runid}/fixture`).set(u.auth).send({ is_fixture: true });
  await put(olga).expect(403);
  expect((await put(admin).expect(404)).body.error.code).toBe('MIGRATION_NOT_FOUND');
  await api.world.prisma.runMigration.create({
    data: { runid, lastStatus: 'rolled-back', archiveBefore: 'pre-migration-x.zip' },
  });
  expect((await put(admin).expect(409)).body.error.code).toBe('MIGRATION_PAIR_MISSING');
  await api.world.prisma.runMigration.update({
    where: { runid },
    data: { lastStatus: 'succeeded', archiveAfter: 'post-migration-x.zip' },
  });
  expect((await put(admin).expect(409)).body.error.code).toBe('ARCHIVE_NOT_FOUND'); // the files are gone
  const archives = path.join(runPath(api.world.config.runsRoot, runid), 'archives');
  await fs.mkdir(archives, { recursive: true });
  await fs.writeFile(path.join(archives, 'pre-migration-x.zip'), 'pre');
  await fs.writeFile(path.join(archives, 'post-migration-x.zip'), 'post');
  const exported = path.join(api.world.config.dataDir, 'migration-fixtures', runid);
  expect((await put(admin).expect(200)).body).toEqual({
    runid,
    is_fixture: true,
    archive_before: 'pre-migration-x.zip',
    archive_after: 'post-migration-x.zip',
    exported_to: exported,
  });
  expect(await fs.readFile(path.join(exported, 'post.zip'), 'utf8')).toBe('post');
  expect(JSON.parse(await fs.readFile(path.join(exported, 'fixture.json'), 'utf8'))).toEqual({
    runid,
    current_version: 1000,
  });
  expect((await api.world.prisma.runMigration.findUniqueOrThrow({ where: { runid } })).isFixture).toBe(true);
});
