import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { runLocksKey } from '@arkive/shared';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';
import { makeRun, makeUser, type TestUser } from '../../test-support/users';

let api: ApiWorld;
let owner: TestUser;
beforeAll(async () => {
  api = await createApiWorld();
  owner = await makeUser(api, 'hannah');
  for (const id of ['h-big', 'h-small', 'h-gone']) await makeRun(api, id, owner);
});
afterAll(() => api.close());

const runDir = (id: string) => path.join(api.deps.config.runsRoot, id);

test('health: size and files without archives/, lock files with their time, Redis locks, archives and free disk', async () => {
  const dir = runDir('h-big');
  await fs.mkdir(path.join(dir, 'data'), { recursive: true });
  await fs.writeFile(path.join(dir, 'data', 'a.bin'), Buffer.alloc(3000, 1));
  await fs.writeFile(path.join(dir, 'b.txt'), 'hello');
  await fs.writeFile(path.join(dir, 'data', 'solver.nodb.lock'), '');
  const since = new Date('2026-01-02T03:04:05.000Z');
  await fs.utimes(path.join(dir, 'data', 'solver.nodb.lock'), since, since);
  await fs.mkdir(path.join(dir, 'archives'), { recursive: true });
  await fs.writeFile(path.join(dir, 'archives', '20260101T000000Z_x.zip'), Buffer.alloc(700));
  await fs.writeFile(path.join(dir, 'archives', 'pre-restore-20260102T000000Z.zip'), Buffer.alloc(300));
  await fs.writeFile(path.join(dir, 'archives', '.partial.tmp'), Buffer.alloc(50));
  await api.deps.redis.hset(runLocksKey(api.deps.config.redisPrefix, 'h-big'), 'climate', '1767322800');

  const res = await request(api.app).get('/api/runs/h-big').set(owner.auth).expect(200);
  expect(res.body.health).toMatchObject({
    missing: false,
    sizeBytes: 3005,
    fileCount: 3,
    lockFiles: [{ path: 'data/solver.nodb.lock', since: since.toISOString() }],
    redisLocks: [{ field: 'climate', value: '1767322800' }],
    lastSnapshot: { name: '20260101T000000Z_x.zip' },
    archiveCount: 2,
    archiveBytes: 1000,
    archivesDiskBytes: 1050,
  });
  expect(res.body.health.diskFreeBytes).toBeGreaterThan(0);
  expect(res.body.health.snapshotBlockedReason).toMatch(
    /locked \(data\/solver\.nodb\.lock, Redis lock climate\)/,
  );
  await api.deps.redis.del(runLocksKey(api.deps.config.redisPrefix, 'h-big'));
});

test('a run whose directory is gone is reported missing and snapshots say why they cannot start', async () => {
  await fs.rm(runDir('h-gone'), { recursive: true });
  const res = await request(api.app).get('/api/runs/h-gone').set(owner.auth).expect(200);
  expect(res.body.exists).toBe(false);
  expect(res.body.health).toMatchObject({ missing: true, sizeBytes: null, fileCount: null, archiveCount: 0 });
  expect(res.body.health.snapshotBlockedReason).toMatch(/directory h-gone is missing/);
  const snap = await request(api.app).post('/api/runs/h-gone/archives').set(owner.auth).send({});
  expect(snap.status).toBe(404);
  expect(snap.body.error.code).toBe('RUN_NOT_FOUND');
});

test('the list searches and sorts by size, and answers 400 for an unknown sort', async () => {
  await fs.writeFile(path.join(runDir('h-small'), 'one.txt'), 'x');
  const bySize = await request(api.app).get('/api/runs?sort=size&order=desc').set(owner.auth).expect(200);
  expect(bySize.body.items.map((r: { runid: string }) => r.runid)).toEqual(['h-big', 'h-small', 'h-gone']);
  const asc = await request(api.app).get('/api/runs?sort=size&order=asc&limit=2').set(owner.auth).expect(200);
  expect(asc.body.items.map((r: { runid: string }) => r.runid)).toEqual(['h-gone', 'h-small']);
  expect(asc.body.total).toBe(3);
  const search = await request(api.app).get('/api/runs?q=SMA').set(owner.auth).expect(200);
  expect(search.body.items.map((r: { runid: string }) => r.runid)).toEqual(['h-small']);
  const fast = await request(api.app).get('/api/runs?lock=false').set(owner.auth).expect(200);
  expect(fast.body.items[0].health).toBeNull();
  const bad = await request(api.app).get('/api/runs?sort=bogus').set(owner.auth).expect(400);
  expect(bad.body.error.code).toBe('VALIDATION_FAILED');
});
