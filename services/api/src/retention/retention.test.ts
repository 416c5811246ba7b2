import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { createApiWorld, type ApiWorld } from '../test-support/api-world';
import { makeRun, makeUser, type TestUser } from '../test-support/users';
import { runMaintenance } from '../maintenance';
import { selectExpired } from './policy';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-30T12:00:00Z');
const at = (daysAgo: number) => new Date(NOW - daysAgo * DAY).toISOString();

describe('selectExpired', () => {
  const items = [
    { name: 's0.zip', kind: 'snapshot', createdAt: at(0), size: 1 },
    { name: 's1.zip', kind: 'snapshot', createdAt: at(3), size: 1 },
    { name: 's2.zip', kind: 'snapshot', createdAt: at(10), size: 1 },
    { name: 's3.zip', kind: 'snapshot', createdAt: at(40), size: 1 },
    { name: 'pre-restore-a.zip', kind: 'pre-restore', createdAt: at(31), size: 1 },
    { name: 'pre-restore-b.zip', kind: 'pre-restore', createdAt: at(2), size: 1 },
    { name: 'pre-migration.zip', kind: 'pre-migration', createdAt: at(400), size: 1 },
  ];
  const names = (p: { keepLast: number; keepDays: number; preRestoreDays: number }) =>
    selectExpired(items, p, NOW)
      .map((e) => e.name)
      .sort();

  test('both limits 0 keep every snapshot; pre-restore snapshots expire after their days', () => {
    expect(names({ keepLast: 0, keepDays: 0, preRestoreDays: 30 })).toEqual(['pre-restore-a.zip']);
    expect(names({ keepLast: 0, keepDays: 0, preRestoreDays: 0 })).toEqual([]);
  });
  test('keep last N, newer than D days, and both (a snapshot either rule keeps stays)', () => {
    expect(names({ keepLast: 2, keepDays: 0, preRestoreDays: 0 })).toEqual(['s2.zip', 's3.zip']);
    expect(names({ keepLast: 0, keepDays: 7, preRestoreDays: 0 })).toEqual(['s2.zip', 's3.zip']);
    expect(names({ keepLast: 3, keepDays: 7, preRestoreDays: 0 })).toEqual(['s3.zip']);
    expect(names({ keepLast: 1, keepDays: 20, preRestoreDays: 0 })).toEqual(['s3.zip']);
  });
  test('the newest snapshot is never deleted, however old', () => {
    const old = [{ name: 'only.zip', kind: 'snapshot', createdAt: at(99), size: 1 }];
    expect(selectExpired(old, { keepLast: 0, keepDays: 1, preRestoreDays: 1 }, NOW)).toEqual([]);
  });
});

describe('retention through the API and the maintenance schedule', () => {
  let api: ApiWorld;
  let owner: TestUser, collab: TestUser;
  const RUN = 'ret-run';
  const archives = () => path.join(api.deps.config.runsRoot, RUN, 'archives');
  async function archiveFile(name: string, daysAgo: number, bytes = 100) {
    const file = path.join(archives(), name);
    await fs.writeFile(file, Buffer.alloc(bytes, 7));
    const t = new Date(Date.now() - daysAgo * DAY);
    await fs.utimes(file, t, t);
  }
  beforeAll(async () => {
    // The maintenance run here is about retention: the daily backup duty (which would queue a
    // backup of this never-backed-up run and hold its exclusive key) is tested with the backups.
    api = await createApiWorld({ BACKUP_DAILY: 'false' });
    owner = await makeUser(api, 'rita');
    collab = await makeUser(api, 'carl');
    await makeRun(api, RUN, owner, [{ user: collab, role: 'collaborator' }]);
    await fs.mkdir(archives(), { recursive: true });
  });
  afterAll(() => api.close());

  test('defaults are shown; only owners change the policy; bad values are 400', async () => {
    const res = await request(api.app).get(`/api/runs/${RUN}/retention`).set(collab.auth).expect(200);
    expect(res.body).toMatchObject({
      policy: { keepLast: 0, keepDays: 0, preRestoreDays: 30 },
      overrides: { keepLast: null, keepDays: null, preRestoreDays: null },
      description: 'keep every snapshot; pre-restore snapshots expire after 30 days',
      recentDeletions: [],
    });
    const body = { keepLast: 2, keepDays: 7, preRestoreDays: null };
    await request(api.app).put(`/api/runs/${RUN}/retention`).set(collab.auth).send(body).expect(403);
    const bad = await request(api.app)
      .put(`/api/runs/${RUN}/retention`)
      .set(owner.auth)
      .send({ ...body, keepDays: -1 })
      .expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    const put = await request(api.app)
      .put(`/api/runs/${RUN}/retention`)
      .set(owner.auth)
      .send(body)
      .expect(200);
    expect(put.body.policy).toEqual({ keepLast: 2, keepDays: 7, preRestoreDays: 30 });
    expect(put.body.description).toBe(
      'keep the last 2 snapshots and those newer than 7 days; pre-restore snapshots expire after 30 days',
    );
  });

  test('the maintenance schedule applies it, each deletion logged; the rest stays', async () => {
    await archiveFile('20260101T000000Z_a.zip', 1);
    await archiveFile('20260101T000001Z_b.zip', 20);
    await archiveFile('20260101T000002Z_c.zip', 30);
    await archiveFile('20260101T000003Z_d.zip', 40);
    await archiveFile('pre-restore-20260101T000000Z.zip', 45, 333);
    await archiveFile('pre-restore-20260101T000001Z.zip', 3);
    const out = await runMaintenance(api.deps);
    expect(out['apply-retention']).toMatchObject({ ok: true, result: { deleted: 3 } });
    expect((await fs.readdir(archives())).sort()).toEqual([
      '20260101T000000Z_a.zip',
      '20260101T000001Z_b.zip',
      'pre-restore-20260101T000001Z.zip',
    ]);
    const res = await request(api.app).get(`/api/runs/${RUN}/retention`).set(owner.auth).expect(200);
    const log = res.body.recentDeletions as { name: string; reason: string; detail: string; size: number }[];
    expect(log.map((d) => d.name).sort()).toEqual([
      '20260101T000002Z_c.zip',
      '20260101T000003Z_d.zip',
      'pre-restore-20260101T000000Z.zip',
    ]);
    expect(log.every((d) => d.reason === 'retention')).toBe(true);
    expect(log.find((d) => d.name.startsWith('pre-restore'))).toMatchObject({
      size: 333,
      detail: 'pre-restore snapshots expire after 30 days',
    });
    // Applying again finds nothing more.
    const again = await request(api.app).post(`/api/runs/${RUN}/retention/apply`).set(owner.auth).expect(200);
    expect(again.body).toEqual({ deleted: [], skipped: null });
  });

  test('deleting an archive needs the owner role and is logged with the username', async () => {
    const name = '20260101T000001Z_b.zip';
    await request(api.app).delete(`/api/runs/${RUN}/archives/${name}`).set(collab.auth).expect(403);
    await request(api.app).delete(`/api/runs/${RUN}/archives/${name}`).set(owner.auth).expect(204);
    const res = await request(api.app).get(`/api/runs/${RUN}/retention`).set(owner.auth).expect(200);
    expect(res.body.recentDeletions[0]).toMatchObject({
      name,
      reason: 'user',
      detail: 'rita',
      kind: 'snapshot',
    });
    await request(api.app).delete(`/api/runs/${RUN}/archives/${name}`).set(owner.auth).expect(404);
  });
});
