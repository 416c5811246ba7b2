import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import {
  BACKUP_ZIPS_DIR,
  backupDir,
  createSnapshot,
  enqueueOperation,
  ensureRepoRow,
  ensureResticRepo,
  findSnapshot,
  resticRepoFor,
  runBackup,
  runPath,
} from '@arkive/shared';
import { createApiWorld, type ApiWorld } from '../../../test-support/api-world';
import { makeUser, type TestUser } from '../../../test-support/users';
import { expireBackupZips, queueScheduledScrubs } from '../../../backup-maintenance';

/** Backup status in lists, the run's repository, ZIPs of backups and the scrub's admin surfaces. */
let api: ApiWorld;
let app: Express;
let carol: TestUser; // collaborator
let vera: TestUser; // viewer
let sam: TestUser; // stranger
let ada: TestUser; // admin
let n = 0;

beforeAll(async () => {
  api = await createApiWorld({ BACKUP_REGIONS: 'local,eu', BACKUP_ZIP_TTL_HOURS: '1' });
  app = api.app;
  carol = await makeUser(api, 'carol');
  vera = await makeUser(api, 'vera');
  sam = await makeUser(api, 'sam');
  ada = await makeUser(api, 'ada', { isAdmin: true });
});
afterAll(() => api.close());

const as = (r: request.Test, u: TestUser) => r.set(u.auth);

async function makeRun() {
  const runid = `bgap-${++n}-${randomBytes(3).toString('hex')}`;
  const runDir = runPath(api.world.config.runsRoot, runid);
  await fs.mkdir(path.join(runDir, 'data'), { recursive: true });
  await fs.writeFile(path.join(runDir, 'data', 'a.txt'), 'alpha\n'.repeat(100));
  await fs.writeFile(path.join(runDir, 'b.bin'), randomBytes(5000));
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
  await ensureRepoRow(api.world.prisma, config, 'local');
  await api.world.prisma.run.update({ where: { id: runid }, data: { backupRepoId: 'local' } });
  const repo = resticRepoFor(config, 'local');
  await ensureResticRepo(repo);
  const s = await backupDir(repo, runDir, { runid, purpose: 'manual' });
  const snap = await findSnapshot(repo, s.snapshotId);
  const time = new Date(snap.time);
  await api.world.prisma.run.update({
    where: { id: runid },
    data: { lastBackupAt: time, lastEditedAt: time },
  });
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

function listed(body: { items: { runid: string; backup: unknown }[] }, runid: string) {
  return body.items.find((i) => i.runid === runid)?.backup;
}

test('GET /api/runs and GET /api/runs/:runid show each run’s backup state: never, fresh, stale (edited since), region', async () => {
  const { runid, runDir } = await makeRun();
  const never = await as(request(app).get('/api/runs?lock=false&limit=200'), vera).expect(200);
  expect(listed(never.body, runid)).toEqual({
    last_backup_at: null,
    last_edited_at: null,
    state: 'never',
    region: 'local',
    backupRepoId: null,
  });
  const b = await backupNow(runid, runDir);
  const fresh = await as(request(app).get('/api/runs?lock=false&limit=200'), vera).expect(200);
  expect(listed(fresh.body, runid)).toMatchObject({
    state: 'fresh',
    last_backup_at: b.time.toISOString(),
    backupRepoId: 'local',
  });
  await api.world.prisma.run.update({
    where: { id: runid },
    data: { lastEditedAt: new Date(b.time.getTime() + 5000) },
  });
  const one = await as(request(app).get(`/api/runs/${runid}`), vera).expect(200);
  expect(one.body.backup).toMatchObject({ state: 'stale', region: 'local' });
  // a stranger does not see the run in the list at all
  const theirs = await as(request(app).get('/api/runs?lock=false&limit=200'), sam).expect(200);
  expect(listed(theirs.body, runid)).toBeUndefined();
});

test('PATCH /api/runs/:runid/backup-repo: admins only, a known region, refused while a backup runs, warns that old snapshots stay', async () => {
  const { runid, runDir } = await makeRun();
  await backupNow(runid, runDir);
  const body = { backupRepoId: 'eu' };
  await as(request(app).patch(`/api/runs/${runid}/backup-repo`).send(body), carol).expect(403);
  const unknown = await as(
    request(app).patch(`/api/runs/${runid}/backup-repo`).send({ backupRepoId: 'mars' }),
    ada,
  ).expect(400);
  expect(unknown.body.error.code).toBe('BACKUP_REGION_UNKNOWN');
  await as(request(app).patch(`/api/runs/nope-${runid}/backup-repo`).send(body), ada).expect(404);

  // while a backup of the run is queued: 409, nothing changes
  const { operationId } = await enqueueOperation(
    api.deps,
    runBackup,
    { runid, purpose: 'manual' },
    { createdBy: 'carol' },
  );
  const busy = await as(request(app).patch(`/api/runs/${runid}/backup-repo`).send(body), ada).expect(409);
  expect(busy.body.error.code).toBe('OPERATION_ACTIVE');
  expect((await api.world.prisma.run.findUniqueOrThrow({ where: { id: runid } })).backupRepoId).toBe('local');
  await api.world.prisma.operation.update({
    where: { id: operationId },
    data: { status: 'cancelled', finishedAt: new Date() },
  });

  const ok = await as(request(app).patch(`/api/runs/${runid}/backup-repo`).send(body), ada).expect(200);
  expect(ok.body).toMatchObject({ backupRepoId: 'eu', region: 'eu', previous: 'local' });
  expect(ok.body.warning).toMatch(/1 backup\(s\) made so far stay in local/);
  const one = await as(request(app).get(`/api/runs/${runid}`), vera).expect(200);
  expect(one.body.backup).toMatchObject({ region: 'eu', backupRepoId: 'eu' });
  // the old backup is still listed (and restorable from its repository)
  const list = await as(request(app).get(`/api/runs/${runid}/backups`), vera).expect(200);
  expect(list.body.items).toHaveLength(1);
  expect(list.body.items[0].region).toBe('local');
});

test('backup ZIPs: a member asks for one (202 backup-zip), a stranger gets 404; download with Content-Disposition; expiry deletes the file', async () => {
  const { runid, runDir } = await makeRun();
  const b = await backupNow(runid, runDir);
  const url = `/api/runs/${runid}/backups/${b.id}/zip`;
  const stranger = await as(request(app).post(url).send({}), sam).expect(404);
  expect(stranger.body.error.code).toBe('RUN_NOT_FOUND');
  await as(
    request(app).post(`/api/runs/${runid}/backups/${randomBytes(4).toString('hex')}/zip`),
    vera,
  ).expect(404);
  const bad = await as(
    request(app)
      .post(url)
      .send({ paths: ['../etc'] }),
    vera,
  ).expect(400);
  expect(bad.body.error.code).toBeDefined();
  const res = await as(
    request(app)
      .post(url)
      .send({ paths: ['data'] }),
    vera,
  ).expect(202);
  expect(res.body.channel).toBe(`${runid}:archive`);
  const op = await api.world.prisma.operation.findUniqueOrThrow({ where: { id: res.body.operationId } });
  expect(op).toMatchObject({ kind: 'backup-zip', queue: 'backup', scopeId: runid });
  expect(op.input).toMatchObject({ backupId: b.id, paths: ['data'] });

  // the ZIP as the backup service leaves it (our engine into DATA_DIR/backup-zips, then the row)
  const zipId = op.id;
  const snap = await createSnapshot({
    runDir,
    outDir: path.join(api.world.config.dataDir, BACKUP_ZIPS_DIR),
    name: `${zipId}.zip`,
  });
  await api.world.prisma.backupZip.create({
    data: {
      id: zipId,
      runId: runid,
      backupId: b.id,
      snapshotId: b.snapshotId,
      size: BigInt(snap.size),
      sha256: snap.sha256,
      fileCount: snap.fileCount,
      expiresAt: new Date(Date.now() + 3600_000),
    },
  });
  const dl = `/api/runs/${runid}/backups/${b.id}/zips/${zipId}`;
  await as(request(app).get(dl), sam).expect(404);
  const got = await as(
    request(app)
      .get(dl)
      .buffer(true)
      .parse(binaryParser as unknown as Parameters<request.Test['parse']>[0]),
    vera,
  ).expect(200);
  expect(got.headers['content-disposition']).toBe(
    `attachment; filename="${runid}-backup-${b.snapshotId.slice(0, 8)}.zip"`,
  );
  expect(got.headers.etag).toBe(`"${snap.sha256}"`);
  expect(Buffer.compare(got.body as Buffer, await fs.readFile(snap.path))).toBe(0);
  const part = await as(request(app).get(dl).set('Range', 'bytes=0-9'), vera).expect(206);
  expect(part.headers['content-range']).toBe(`bytes 0-9/${snap.size}`);
  // a client that holds this ZIP already (same ETag) gets 304 and no body
  const cached = await as(request(app).get(dl).set('If-None-Match', `"${snap.sha256}"`), vera).expect(304);
  expect(cached.text ?? '').toBe('');
  await as(
    request(app).get(`/api/runs/${runid}/backups/${b.id}/zips/${randomBytes(4).toString('hex')}`),
    vera,
  ).expect(404);
  const zips = await as(request(app).get(`/api/runs/${runid}/backups/zips`), vera).expect(200);
  expect(zips.body.items.map((z: { id: string; download_url: string }) => z.download_url)).toEqual([dl]);
  await as(request(app).get(`/api/runs/${runid}/backups/zips`), sam).expect(404);

  // not yet due: kept; past expires_at: the duty deletes the file and marks the row
  expect((await expireBackupZips(api.deps)).expired).not.toContain(zipId);
  const later = new Date(Date.now() + 2 * 3600_000);
  expect((await expireBackupZips(api.deps, later)).expired).toContain(zipId);
  await expect(fs.stat(snap.path)).rejects.toThrow();
  const row = await api.world.prisma.backupZip.findUniqueOrThrow({ where: { id: zipId } });
  expect(row.expiredAt).not.toBeNull();
  const gone = await as(request(app).get(dl), vera).expect(410);
  expect(gone.body.error.code).toBe('BACKUP_ZIP_EXPIRED');
  expect((await as(request(app).get(`/api/runs/${runid}/backups/zips`), vera)).body.items).toEqual([]);
});

test('scrub: queued once a day per repository with backups; a failed scrub shows in GET /api/backup-repos (admins) and in /metrics', async () => {
  const { runid, runDir } = await makeRun();
  await backupNow(runid, runDir);
  const first = await queueScheduledScrubs(api.deps);
  expect(first.queued).toEqual(['local']);
  const op = await api.world.prisma.operation.findFirstOrThrow({ where: { kind: 'backup-scrub' } });
  expect(op).toMatchObject({
    scopeType: 'system',
    scopeId: 'local',
    exclusiveKey: 'repo:local',
    createdBy: 'schedule',
  });
  // the same day: not again (even once that one has ended)
  await api.world.prisma.operation.update({
    where: { id: op.id },
    data: { status: 'failed', finishedAt: new Date(), error: 'x' },
  });
  expect((await queueScheduledScrubs(api.deps)).queued).toEqual([]);
  expect((await queueScheduledScrubs(api.deps, new Date(Date.now() + 25 * 3600_000))).queued).toEqual([
    'local',
  ]);

  await api.world.prisma.backupRepo.update({
    where: { id: 'local' },
    data: {
      lastScrubAt: new Date(),
      lastScrubOk: false,
      lastScrubSubset: '4/30',
      lastScrubMessage: 'The scrub of packs 4/30 found damage: Pack ID does not match',
    },
  });
  await as(request(app).get('/api/backup-repos'), carol).expect(403);
  const repos = await as(request(app).get('/api/backup-repos'), ada).expect(200);
  expect(repos.body.scrub_failures).toEqual(['local']);
  expect(repos.body.warning).toMatch(/scrub of local failed/);
  expect(repos.body.items.map((r: { id: string }) => r.id)).toEqual(['local', 'eu']);
  expect(repos.body.items[0]).toMatchObject({
    default: true,
    kind: 'local',
    scrub: { ok: false, subset: '4/30', period_days: 30 },
  });
  const metrics = await as(request(app).get('/metrics'), ada).expect(200);
  expect(metrics.text).toMatch(/arkive_backup_scrub_failed\{repo="local"\} 1/);
  expect(metrics.text).toMatch(/arkive_backup_scrub_last_timestamp_seconds\{repo="local"\} \d+/);
});

function binaryParser(
  res: NodeJS.ReadableStream & { setEncoding(e: string): void },
  cb: (e: Error | null, b: Buffer) => void,
) {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}
