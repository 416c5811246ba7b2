import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import {
  backupDir,
  ensureRepoRow,
  ensureResticRepo,
  findSnapshot,
  resticRepoFor,
  runPath,
} from '@arkive/shared';
import { createApiWorld, type ApiWorld } from '../../../test-support/api-world';
import { makeUser, type TestUser } from '../../../test-support/users';
import { queueScheduledBackups, queueScheduledRetention } from '../../../backup-schedule';

/** Backup routes against a real restic repository (local region); backups made with the shared engine as the backup service does. */
let api: ApiWorld;
let app: Express;
let carol: TestUser; // collaborator of every test run
let vera: TestUser; // viewer
let sam: TestUser; // stranger
let n = 0;

beforeAll(async () => {
  api = await createApiWorld();
  app = api.app;
  carol = await makeUser(api, 'carol');
  vera = await makeUser(api, 'vera');
  sam = await makeUser(api, 'sam');
});
afterAll(() => api.close());

async function makeRun() {
  const runid = `bapi-${++n}-${randomBytes(3).toString('hex')}`;
  const runDir = runPath(api.world.config.runsRoot, runid);
  await fs.mkdir(path.join(runDir, 'data', 'deep'), { recursive: true });
  for (let i = 0; i < 3; i++)
    await fs.writeFile(path.join(runDir, 'data', `f${i}.txt`), `line ${i}\n`.repeat(50));
  await fs.writeFile(path.join(runDir, 'data', 'deep', 'x.bin'), randomBytes(1000));
  await fs.writeFile(path.join(runDir, 'top.txt'), 'top\n');
  await api.world.prisma.run.create({
    data: {
      id: runid,
      createdBy: 'carol',
      members: {
        create: [
          { userId: carol.id, role: 'collaborator' },
          { userId: vera.id, role: 'viewer' },
        ],
      },
    },
  });
  return { runid, runDir };
}

/** A backup made as the backup service makes it (restic backup + the Backup row + lastBackupAt). */
async function backupNow(runid: string, runDir: string) {
  const config = api.world.config;
  const repoRow = await ensureRepoRow(api.world.prisma, config, 'local');
  await api.world.prisma.run.update({ where: { id: runid }, data: { backupRepoId: repoRow.id } });
  const repo = resticRepoFor(config, 'local');
  await ensureResticRepo(repo);
  const s = await backupDir(repo, runDir, { runid, purpose: 'manual' });
  const snap = await findSnapshot(repo, s.snapshotId);
  const time = new Date(snap.time);
  await api.world.prisma.run.update({ where: { id: runid }, data: { lastBackupAt: time } });
  return api.world.prisma.backup.create({
    data: {
      runId: runid,
      repoId: 'local',
      snapshotId: snap.id,
      time,
      files: s.totalFiles,
      bytes: BigInt(s.totalBytes),
      bytesAdded: BigInt(s.dataAdded),
    },
  });
}

const as = (r: request.Test, u: TestUser) => r.set(u.auth);

test('POST /api/runs/:runid/backups queues a run-backup (202, channel <runid>:archive); a viewer gets 403, a stranger 404', async () => {
  const { runid } = await makeRun();
  const res = await as(request(app).post(`/api/runs/${runid}/backups`).send({}), carol).expect(202);
  expect(res.body).toMatchObject({ channel: `${runid}:archive`, status: 'queued' });
  const op = await api.world.prisma.operation.findUniqueOrThrow({ where: { id: res.body.operationId } });
  expect(op).toMatchObject({ kind: 'run-backup', queue: 'backup', scopeId: runid });
  await as(request(app).post(`/api/runs/${runid}/backups`).send({}), vera).expect(403);
  const stranger = await as(request(app).post(`/api/runs/${runid}/backups`).send({}), sam).expect(404);
  expect(stranger.body.error.code).toBe('RUN_NOT_FOUND');
  // one operation per run at a time
  const again = await as(request(app).post(`/api/runs/${runid}/backups`).send({}), carol);
  expect(again.status).toBe(409);
});

test('list (newest first, stale when the run changed after its last backup), browse one level (cached), dry-run plan', async () => {
  const { runid, runDir } = await makeRun();
  const never = await as(request(app).get(`/api/runs/${runid}/backups`), vera).expect(200);
  expect(never.body).toMatchObject({ items: [], total: 0, stale: true, last_backup_at: null });

  const b1 = await backupNow(runid, runDir);
  const b2 = await backupNow(runid, runDir);
  const fresh = await as(request(app).get(`/api/runs/${runid}/backups`), vera).expect(200);
  expect(fresh.body.items.map((i: { id: string }) => i.id)).toEqual([b2.id, b1.id]);
  expect(fresh.body).toMatchObject({ stale: false, last_backup_at: b2.time.toISOString(), region: 'local' });

  // an edit after the backup: the mtime scan notices it
  await new Promise((r) => setTimeout(r, 20));
  await fs.writeFile(path.join(runDir, 'top.txt'), 'edited\n');
  const stale = await as(request(app).get(`/api/runs/${runid}/backups`), vera).expect(200);
  expect(stale.body.stale).toBe(true);
  expect(stale.body.warning).toMatch(/changes since the last backup would be lost/);
  expect(Date.parse(stale.body.last_edited_at)).toBeGreaterThan(Date.parse(stale.body.last_backup_at));

  const root = await as(request(app).get(`/api/runs/${runid}/backups/${b1.id}/tree`), vera).expect(200);
  expect(root.body.items.map((i: { name: string; type: string }) => `${i.type}:${i.name}`)).toEqual([
    'dir:data',
    'file:top.txt',
  ]);
  expect(root.body.cached).toBe(false);
  const again = await as(request(app).get(`/api/runs/${runid}/backups/${b1.id}/tree`), vera).expect(200);
  expect(again.body).toMatchObject({ cached: true, items: root.body.items });
  const data = await as(request(app).get(`/api/runs/${runid}/backups/${b1.id}/tree?path=data`), vera).expect(
    200,
  );
  expect(data.body.items.map((i: { name: string }) => i.name)).toEqual([
    'deep',
    'f0.txt',
    'f1.txt',
    'f2.txt',
  ]);
  expect(data.body.items[1]).toMatchObject({ type: 'file', size: 7 * 50, path: 'data/f0.txt' });
  const missing = await as(
    request(app).get(`/api/runs/${runid}/backups/${b1.id}/tree?path=nope`),
    vera,
  ).expect(404);
  expect(missing.body.error.code).toBe('PATH_NOT_IN_BACKUP');
  const bad = await as(request(app).get(`/api/runs/${runid}/backups/${b1.id}/tree?path=../x`), vera).expect(
    400,
  );
  expect(bad.body.error.code).toBe('INVALID_PATH');
  await as(request(app).get(`/api/runs/${runid}/backups/not-a-uuid/tree`), vera).expect(404);

  await fs.writeFile(path.join(runDir, 'added-later.txt'), 'x\n');
  const plan = await as(
    request(app).post(`/api/runs/${runid}/backups/${b1.id}/restore`).send({ dryRun: true }),
    carol,
  ).expect(200);
  expect(plan.body.plan).toMatchObject({
    added: [],
    replaced: ['top.txt'],
    removed: ['added-later.txt'],
    bytes: 4,
    files: 1,
  });
  // a dry run writes nothing
  expect(await fs.readFile(path.join(runDir, 'top.txt'), 'utf8')).toBe('edited\n');
  const notThere = await as(
    request(app)
      .post(`/api/runs/${runid}/backups/${b1.id}/restore`)
      .send({ paths: ['nope'], dryRun: true }),
    carol,
  ).expect(422);
  expect(notThere.body.error.code).toBe('PATH_NOT_IN_BACKUP');
  const queued = await as(
    request(app)
      .post(`/api/runs/${runid}/backups/${b1.id}/restore`)
      .send({ paths: ['data'] }),
    carol,
  ).expect(202);
  const op = await api.world.prisma.operation.findUniqueOrThrow({ where: { id: queued.body.operationId } });
  expect(op).toMatchObject({
    kind: 'run-backup-restore',
    input: expect.objectContaining({ paths: ['data'] }),
  });
  await as(request(app).post(`/api/runs/${runid}/backups/${b1.id}/restore`).send({}), vera).expect(403);
});

test('start: ready at once with a directory; restores the newest backup when it is missing; RUN_DATA_MISSING with neither', async () => {
  const { runid, runDir } = await makeRun();
  const ready = await as(request(app).post(`/api/runs/${runid}/start`), carol).expect(200);
  expect(ready.body).toMatchObject({ status: 'ready' });
  await fs.rm(runDir, { recursive: true });
  const none = await as(request(app).post(`/api/runs/${runid}/start`), carol).expect(404);
  expect(none.body.error.code).toBe('RUN_DATA_MISSING');

  const other = await makeRun();
  await backupNow(other.runid, other.runDir);
  const newest = await backupNow(other.runid, other.runDir);
  await fs.rm(other.runDir, { recursive: true });
  const started = await as(request(app).post(`/api/runs/${other.runid}/start`), carol).expect(202);
  expect(started.body).toMatchObject({
    status: 'restoring',
    channel: `${other.runid}:archive`,
    backup_id: newest.id,
  });
  const op = await api.world.prisma.operation.findUniqueOrThrow({ where: { id: started.body.operationId } });
  expect(op.input).toMatchObject({ backupId: newest.id, intoMissing: true });
  // a second start while it restores answers the same operation
  const twice = await as(request(app).post(`/api/runs/${other.runid}/start`), carol).expect(202);
  expect(twice.body.operationId).toBe(started.body.operationId);
});

test("a stranger cannot list, browse, restore, dry-run or start another run's backups (404, as if the run did not exist)", async () => {
  const { runid, runDir } = await makeRun();
  const b = await backupNow(runid, runDir);
  const calls = [
    request(app).get(`/api/runs/${runid}/backups`),
    request(app).get(`/api/runs/${runid}/backups/${b.id}/tree`),
    request(app).post(`/api/runs/${runid}/backups/${b.id}/restore`).send({ dryRun: true }),
    request(app).post(`/api/runs/${runid}/backups/${b.id}/restore`).send({}),
    request(app).post(`/api/runs/${runid}/start`),
  ];
  for (const c of calls) {
    const res = await as(c, sam);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('RUN_NOT_FOUND');
    expect(JSON.stringify(res.body)).not.toContain(b.snapshotId.slice(0, 8));
  }
  // a backup id of another run is not found through a run one may see
  const mine = await makeRun();
  const res = await as(request(app).get(`/api/runs/${mine.runid}/backups/${b.id}/tree`), carol).expect(404);
  expect(res.body.error.code).toBe('BACKUP_NOT_FOUND');
});

test('daily schedule: queues a scheduled backup for runs edited since a backup older than a day (or never backed up), not for unchanged ones', async () => {
  const never = await makeRun();
  const unchanged = await makeRun();
  const edited = await makeRun();
  const old = new Date(Date.now() - 3 * 24 * 3600 * 1000);
  const older = new Date(old.getTime() - 3600_000);
  for (const r of [unchanged, edited]) {
    // every entry's mtime before the (old) last backup
    for (const rel of [
      'data/f0.txt',
      'data/f1.txt',
      'data/f2.txt',
      'data/deep/x.bin',
      'top.txt',
      'data/deep',
      'data',
      '',
    ])
      await fs.utimes(path.join(r.runDir, rel), older, older);
    await api.world.prisma.run.update({ where: { id: r.runid }, data: { lastBackupAt: old } });
  }
  await fs.writeFile(path.join(edited.runDir, 'top.txt'), 'edited since\n');
  const { queued } = await queueScheduledBackups(api.deps);
  expect(queued).toEqual(expect.arrayContaining([never.runid, edited.runid]));
  expect(queued).not.toContain(unchanged.runid);
  const op = await api.world.prisma.operation.findFirstOrThrow({
    where: { kind: 'run-backup', scopeId: edited.runid },
  });
  expect(op.input).toMatchObject({ purpose: 'scheduled' });
  // the next tick does not queue them again
  const again = await queueScheduledBackups(api.deps);
  expect(again.queued).not.toContain(edited.runid);
  expect(again.queued).not.toContain(never.runid);
});

test('retention: the owner sets a policy (bad ones 400), prune queues backup-prune on the repository slot (409 without a policy)', async () => {
  const { runid } = await makeRun();
  await api.world.prisma.runMember.update({
    where: { runId_userId: { runId: runid, userId: carol.id } },
    data: { role: 'owner' },
  });
  const none = await as(request(app).post(`/api/runs/${runid}/backups/prune`), carol).expect(409);
  expect(none.body.error.code).toBe('NO_RETENTION_POLICY');
  await as(request(app).put(`/api/runs/${runid}/backups/retention`).send({}), carol).expect(400);
  await as(request(app).put(`/api/runs/${runid}/backups/retention`).send({ keepLast: 0 }), carol).expect(400);
  await as(request(app).put(`/api/runs/${runid}/backups/retention`).send({ keepLast: 3 }), vera).expect(403);
  const set = await as(
    request(app).put(`/api/runs/${runid}/backups/retention`).send({ keepLast: 3, keepDaily: 7 }),
    carol,
  ).expect(200);
  expect(set.body.policy).toEqual({ keepLast: 3, keepDaily: 7 });
  const queued = await as(request(app).post(`/api/runs/${runid}/backups/prune`), carol).expect(202);
  const op = await api.world.prisma.operation.findUniqueOrThrow({ where: { id: queued.body.operationId } });
  expect(op).toMatchObject({ kind: 'backup-prune', exclusiveKey: 'repo:local' });
  expect(op.input).toMatchObject({ policy: { keepLast: 3, keepDaily: 7 } });
});

test('scheduled retention: once a day, runs with a policy and a newer backup get backup-prune; others are left alone', async () => {
  const withPolicy = await makeRun();
  const noPolicy = await makeRun();
  const notBackedUp = await makeRun();
  const yesterday = new Date(Date.now() - 2 * 3600_000);
  await api.world.prisma.run.update({
    where: { id: withPolicy.runid },
    data: { backupRetention: { keepLast: 2 }, lastBackupAt: yesterday },
  });
  await api.world.prisma.run.update({ where: { id: noPolicy.runid }, data: { lastBackupAt: yesterday } });
  await api.world.prisma.run.update({
    where: { id: notBackedUp.runid },
    data: { backupRetention: { keepLast: 2 } },
  });
  // The prune the test above queued (no worker here) holds the repository's slot: end it first,
  // and check that a busy slot means "next tick", not an error.
  expect((await queueScheduledRetention(api.deps)).queued).toEqual([]);
  await api.world.prisma.operation.updateMany({
    where: { kind: 'backup-prune', status: 'queued' },
    data: { status: 'cancelled', finishedAt: new Date() },
  });
  const { queued } = await queueScheduledRetention(api.deps);
  expect(queued).toContain(withPolicy.runid);
  expect(queued).not.toContain(noPolicy.runid);
  expect(queued).not.toContain(notBackedUp.runid);
  const op = await api.world.prisma.operation.findFirstOrThrow({
    where: { kind: 'backup-prune', scopeId: withPolicy.runid },
  });
  expect(op).toMatchObject({ createdBy: 'schedule', exclusiveKey: 'repo:local' });
  expect(op.input).toMatchObject({ runid: withPolicy.runid, policy: { keepLast: 2 } });
  // The same day it is not queued again, even once that prune has finished.
  await api.world.prisma.operation.update({ where: { id: op.id }, data: { status: 'succeeded' } });
  expect((await queueScheduledRetention(api.deps)).queued).not.toContain(withPolicy.runid);
  // A day later with no backup since the last prune: nothing to forget, not queued.
  const tomorrow = new Date(Date.now() + 25 * 3600_000);
  expect((await queueScheduledRetention(api.deps, tomorrow)).queued).not.toContain(withPolicy.runid);
  // A day later after a new backup: queued again.
  await api.world.prisma.run.update({
    where: { id: withPolicy.runid },
    data: { lastBackupAt: new Date(Date.now() + 3600_000) },
  });
  expect((await queueScheduledRetention(api.deps, tomorrow)).queued).toContain(withPolicy.runid);
});
