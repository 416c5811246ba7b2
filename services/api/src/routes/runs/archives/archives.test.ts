import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import {
  ARCHIVES_DIR,
  createSnapshot,
  LOCK_FILE_SUFFIX,
  replayEvents,
  runLocksKey,
  runPath,
} from '@arkive/shared';
import { createApiWorld, type ApiWorld } from '../../../test-support/api-world';
import { makeUser, type TestUser } from '../../../test-support/users';

/** Real sign-in (users created in the database, login through /api/auth/login); runs registered with members. */
let api: ApiWorld;
let app: Express;
let carol: TestUser; // collaborator of every test run
let vera: TestUser; // viewer of every test run
let sam: TestUser; // stranger
let olga: TestUser; // owner of every test run (deleting an archive needs the owner role)
let n = 0;

beforeAll(async () => {
  api = await createApiWorld();
  app = api.app;
  carol = await makeUser(api, 'carol');
  vera = await makeUser(api, 'vera');
  sam = await makeUser(api, 'sam');
  olga = await makeUser(api, 'olga');
});
afterAll(() => api.close());

const as = (r: request.Test, user: TestUser = carol) => r.set(user.auth);
const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => cb(null, Buffer.concat(chunks)));
};

async function makeRun(): Promise<{ runid: string; runDir: string }> {
  const runid = `api-${++n}-${randomBytes(3).toString('hex')}`;
  const runDir = runPath(api.world.config.runsRoot, runid);
  await fs.mkdir(path.join(runDir, 'data'), { recursive: true });
  for (let i = 0; i < 5; i++)
    await fs.writeFile(path.join(runDir, 'data', `f${i}.txt`), `line ${i}\n`.repeat(500));
  await fs.writeFile(path.join(runDir, 'data', 'noise.bin'), randomBytes(64 * 1024));
  await api.world.prisma.run.create({
    data: {
      id: runid,
      createdBy: 'carol',
      members: {
        create: [
          { userId: carol.id, role: 'collaborator' },
          { userId: vera.id, role: 'viewer' },
          { userId: olga.id, role: 'owner' },
        ],
      },
    },
  });
  return { runid, runDir };
}

/** A snapshot made with the engine and recorded as the compress service would. */
async function snapshotOf(runid: string, runDir: string, label?: string) {
  const snap = await createSnapshot({ runDir, label });
  await api.world.prisma.archive.create({
    data: {
      runId: runid,
      name: snap.name,
      label: label ?? null,
      size: BigInt(snap.size),
      sha256: snap.sha256,
      fileCount: snap.fileCount,
      localPath: snap.path,
      kind: 'snapshot',
    },
  });
  return snap;
}

test('viewers may list and download; archive and restore need a collaborator, delete an owner; strangers see no run', async () => {
  const { runid, runDir } = await makeRun();
  const snap = await snapshotOf(runid, runDir);
  await as(request(app).get(`/api/runs/${runid}/archives`), vera).expect(200);
  await as(request(app).get(`/api/runs/${runid}/archives/${snap.name}/download`), vera).expect(200);
  for (const res of [
    await as(request(app).post(`/api/runs/${runid}/archives`), vera).send({}),
    await as(request(app).post(`/api/runs/${runid}/restore`), vera).send({ archiveName: snap.name }),
    await as(request(app).delete(`/api/runs/${runid}/archives/${snap.name}`), vera),
  ]) {
    expect(res.status).toBe(403);
  }
  const stranger = await as(request(app).get(`/api/runs/${runid}/archives`), sam).expect(404);
  expect(stranger.body.error.code).toBe('RUN_NOT_FOUND');
  await as(request(app).get(`/api/runs/${runid}/archives/${snap.name}/download`), sam).expect(404);
  expect(await api.world.prisma.operation.count({ where: { scopeId: runid } })).toBe(0);
  expect(await fs.readdir(path.join(runDir, ARCHIVES_DIR))).toEqual([snap.name]);
});

test('a signed link downloads without a session, for exactly that archive', async () => {
  const { runid, runDir } = await makeRun();
  const snap = await snapshotOf(runid, runDir);
  const other = await createSnapshot({ runDir, label: 'other' });
  const minted = await as(request(app).post(`/api/runs/${runid}/links`))
    .send({ path: `/api/runs/${runid}/archives/${snap.name}/download`, ttl_seconds: 60 })
    .expect(201);
  const url = minted.body.url as string;
  const res = await request(app).get(url).buffer(true).parse(binary).expect(200);
  expect(Buffer.compare(res.body as Buffer, await fs.readFile(snap.path))).toBe(0);
  const token = new URL(url, 'http://x').searchParams.get('token') as string;
  await request(app)
    .get(`/api/runs/${runid}/archives/${other.name}/download?token=${encodeURIComponent(token)}`)
    .expect(401);
  await request(app)
    .get(`/api/runs/${runid}/archives?token=${encodeURIComponent(token)}`)
    .expect(401);
});

test('routes require an authenticated caller', async () => {
  const { runid } = await makeRun();
  await request(app).get(`/api/runs/${runid}/archives`).expect(401);
  await request(app).post(`/api/runs/${runid}/archives`).send({}).expect(401);
  await request(app).post(`/api/runs/${runid}/restore`).send({ archiveName: 'x.zip' }).expect(401);
  await request(app).get(`/api/runs/${runid}/archives/x.zip/download`).expect(401);
  await request(app).delete(`/api/runs/${runid}/archives/x.zip`).expect(401);
});

test('a missing run is 404 RUN_NOT_FOUND on every route (no directory, or not registered at all)', async () => {
  const { runid, runDir } = await makeRun();
  await fs.rm(runDir, { recursive: true });
  for (const id of [runid, 'no-such-run']) await expectRunNotFound(id);
});

async function expectRunNotFound(runid: string) {
  const codes = await Promise.all([
    as(request(app).get(`/api/runs/${runid}/archives`)),
    as(request(app).post(`/api/runs/${runid}/archives`)).send({}),
    as(request(app).post(`/api/runs/${runid}/restore`)).send({ archiveName: 'a.zip' }),
    as(request(app).get(`/api/runs/${runid}/archives/a.zip/download`)),
    as(request(app).delete(`/api/runs/${runid}/archives/a.zip`), olga),
  ]);
  for (const res of codes) {
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('RUN_NOT_FOUND');
  }
}

test('list creates archives/ on demand and merges files with recorded rows', async () => {
  const { runid, runDir } = await makeRun();
  const empty = await as(request(app).get(`/api/runs/${runid}/archives`)).expect(200);
  expect(empty.body).toEqual({ items: [], activeOperation: null });
  expect((await fs.stat(path.join(runDir, ARCHIVES_DIR))).isDirectory()).toBe(true);

  const snap = await snapshotOf(runid, runDir, 'first one');
  await createSnapshot({ runDir, kind: 'pre-restore' }); // a file without a row: still listed
  await fs.writeFile(path.join(runDir, ARCHIVES_DIR, 'notes.txt'), 'not an archive');
  const res = await as(request(app).get(`/api/runs/${runid}/archives`)).expect(200);
  expect(res.body.items).toHaveLength(2);
  const mine = res.body.items.find((i: { name: string }) => i.name === snap.name);
  expect(mine).toEqual({
    name: snap.name,
    size: snap.size,
    createdAt: expect.any(String),
    sha256: snap.sha256,
    fileCount: 6,
    label: 'first one',
    kind: 'snapshot',
    downloadable: true,
    downloadUrl: `/api/runs/${runid}/archives/${snap.name}/download`,
  });
  const pre = res.body.items.find((i: { name: string }) => i.name !== snap.name);
  expect(pre).toMatchObject({ kind: 'pre-restore', fileCount: 6, downloadable: true });
});

test('POST archives queues a snapshot (202), shows it as the active operation and refuses a second one', async () => {
  const { runid, runDir } = await makeRun();
  const res = await as(request(app).post(`/api/runs/${runid}/archives`))
    .send({ label: 'nightly' })
    .expect(202);
  expect(res.body).toEqual({
    operationId: expect.any(String),
    channel: `${runid}:archive`,
    status: 'queued',
  });
  const op = await api.world.prisma.operation.findUniqueOrThrow({ where: { id: res.body.operationId } });
  expect(op).toMatchObject({
    kind: 'run-snapshot',
    createdBy: 'carol',
    scopeId: runid,
    input: { runid, label: 'nightly' },
  });
  const events = await replayEvents(api.world.redis, api.world.prefix, `${runid}:archive`);
  expect(events.map((e) => e.type)).toEqual(['ENQUEUED']);
  // Run work waits on its host's queue (placement.ts): compress@<the run's host>.
  const job = await api.deps.queues.get(`compress@${api.world.config.hostId}`).getJob(res.body.operationId);
  expect(job?.name).toBe('run-snapshot');

  const list = await as(request(app).get(`/api/runs/${runid}/archives`)).expect(200);
  expect(list.body.activeOperation).toEqual({
    id: op.id,
    kind: 'run-snapshot',
    status: 'queued',
    stage: 'archiving',
    progressPercent: 0,
    channel: `${runid}:archive`,
  });

  const again = await as(request(app).post(`/api/runs/${runid}/archives`))
    .send({})
    .expect(409);
  expect(again.body.error.code).toBe('OPERATION_ACTIVE');
  const snap = await createSnapshot({ runDir });
  const restore = await as(request(app).post(`/api/runs/${runid}/restore`))
    .send({ archiveName: snap.name })
    .expect(409);
  expect(restore.body.error.code).toBe('OPERATION_ACTIVE');
  const del = await as(request(app).delete(`/api/runs/${runid}/archives/${snap.name}`), olga).expect(409);
  expect(del.body.error.code).toBe('OPERATION_ACTIVE');
});

test('a locked run is refused with 409 RUN_LOCKED (lock file or Redis lock field)', async () => {
  const { runid, runDir } = await makeRun();
  const snap = await createSnapshot({ runDir });
  await fs.writeFile(path.join(runDir, 'data', `soils${LOCK_FILE_SUFFIX}`), '');
  const a = await as(request(app).post(`/api/runs/${runid}/archives`))
    .send({})
    .expect(409);
  expect(a.body.error).toMatchObject({
    code: 'RUN_LOCKED',
    details: { lockFiles: [`data/soils${LOCK_FILE_SUFFIX}`], redisLocks: [] },
  });
  await fs.rm(path.join(runDir, 'data', `soils${LOCK_FILE_SUFFIX}`));
  await api.world.redis.hset(runLocksKey(api.world.config.redisPrefix, runid), 'landuse', '1');
  const r = await as(request(app).post(`/api/runs/${runid}/restore`))
    .send({ archiveName: snap.name })
    .expect(409);
  expect(r.body.error).toMatchObject({
    code: 'RUN_LOCKED',
    details: { lockFiles: [], redisLocks: ['landuse'] },
  });
  expect(await api.world.prisma.operation.count({ where: { scopeId: runid } })).toBe(0);
});

test('POST restore validates the name, needs the archive, and takes camelCase or snake_case JSON', async () => {
  const { runid, runDir } = await makeRun();
  for (const bad of ['../x.zip', 'a/b.zip', 'x.tar', '.hidden.zip', '']) {
    const res = await as(request(app).post(`/api/runs/${runid}/restore`))
      .send({ archiveName: bad })
      .expect(400);
    expect(res.body.error.code).toBe('INVALID_ARCHIVE_NAME');
  }
  const missing = await as(request(app).post(`/api/runs/${runid}/restore`))
    .send({ archiveName: 'nope.zip' })
    .expect(404);
  expect(missing.body.error.code).toBe('ARCHIVE_NOT_FOUND');

  const snap = await createSnapshot({ runDir });
  // A form body is 415 (a JSON API; see http/csrf.ts); the form's field names still work as JSON.
  await as(request(app).post(`/api/runs/${runid}/restore`))
    .type('form')
    .send({ archive_name: snap.name })
    .expect(415);
  const form = await as(request(app).post(`/api/runs/${runid}/restore`))
    .send({ archive_name: snap.name })
    .expect(202);
  expect(form.body).toMatchObject({ channel: `${runid}:archive`, status: 'queued' });
  const op = await api.world.prisma.operation.findUniqueOrThrow({ where: { id: form.body.operationId } });
  expect(op).toMatchObject({
    kind: 'run-restore',
    queue: 'restore',
    createdBy: 'carol',
    input: { runid, archiveName: snap.name, preRestoreSnapshot: true, allowEmpty: false },
  });

  await api.world.prisma.operation.update({
    where: { id: op.id },
    data: { status: 'succeeded', finishedAt: new Date() },
  });
  const json = await as(request(app).post(`/api/runs/${runid}/restore`))
    .send({ archiveName: snap.name, preRestoreSnapshot: false })
    .expect(202);
  const op2 = await api.world.prisma.operation.findUniqueOrThrow({ where: { id: json.body.operationId } });
  expect(op2.input).toEqual({ runid, archiveName: snap.name, preRestoreSnapshot: false, allowEmpty: false });
});

test('POST restore of an archive without files needs allowEmpty: 422 ARCHIVE_EMPTY and no operation, then 202 with it', async () => {
  const { runid, runDir } = await makeRun();
  await fs.mkdir(path.join(runDir, ARCHIVES_DIR), { recursive: true });
  // the smallest valid ZIP: an end-of-central-directory record and nothing else
  await fs.writeFile(
    path.join(runDir, ARCHIVES_DIR, 'empty.zip'),
    Buffer.from(`504b0506${'00'.repeat(18)}`, 'hex'),
  );
  const refused = await as(request(app).post(`/api/runs/${runid}/restore`))
    .send({ archiveName: 'empty.zip' })
    .expect(422);
  expect(refused.body.error).toMatchObject({
    code: 'ARCHIVE_EMPTY',
    message: expect.stringMatching(/holds no files.*allowEmpty/),
  });
  expect(await api.world.prisma.operation.count({ where: { scopeId: runid } })).toBe(0);

  // a file that is not a ZIP is bad input too (422, never a 500), before anything is queued
  await fs.writeFile(path.join(runDir, ARCHIVES_DIR, 'junk.zip'), 'not a zip at all, just text');
  const junk = await as(request(app).post(`/api/runs/${runid}/restore`))
    .send({ archiveName: 'junk.zip' })
    .expect(422);
  expect(junk.body.error.code).toBe('ARCHIVE_CORRUPT');

  const ok = await as(request(app).post(`/api/runs/${runid}/restore`))
    .send({ archiveName: 'empty.zip', allowEmpty: true })
    .expect(202);
  const op = await api.world.prisma.operation.findUniqueOrThrow({ where: { id: ok.body.operationId } });
  expect(op.input).toMatchObject({ archiveName: 'empty.zip', allowEmpty: true });
});

test('download streams the archive with Content-Length, Content-Disposition and the sha256 ETag; Range gives 206 or 416', async () => {
  const { runid, runDir } = await makeRun();
  const snap = await snapshotOf(runid, runDir);
  const bytes = await fs.readFile(snap.path);
  const url = `/api/runs/${runid}/archives/${snap.name}/download`;

  const full = await as(request(app).get(url)).buffer(true).parse(binary).expect(200);
  expect(full.headers['content-length']).toBe(String(bytes.length));
  expect(full.headers['content-type']).toBe('application/zip');
  expect(full.headers['content-disposition']).toBe(`attachment; filename="${snap.name}"`);
  expect(full.headers['accept-ranges']).toBe('bytes');
  expect(full.headers.etag).toBe(`"${snap.sha256}"`);
  expect(Buffer.compare(full.body as Buffer, bytes)).toBe(0);

  const part = await as(request(app).get(url))
    .set('Range', 'bytes=100-1099')
    .buffer(true)
    .parse(binary)
    .expect(206);
  expect(part.headers['content-range']).toBe(`bytes 100-1099/${bytes.length}`);
  expect(part.headers['content-length']).toBe('1000');
  expect(Buffer.compare(part.body as Buffer, bytes.subarray(100, 1100))).toBe(0);

  const tail = await as(request(app).get(url))
    .set('Range', 'bytes=-22')
    .buffer(true)
    .parse(binary)
    .expect(206);
  expect(Buffer.compare(tail.body as Buffer, bytes.subarray(bytes.length - 22))).toBe(0);
  const open = await as(request(app).get(url))
    .set('Range', `bytes=${bytes.length - 5}-`)
    .buffer(true)
    .parse(binary)
    .expect(206);
  expect(Buffer.compare(open.body as Buffer, bytes.subarray(bytes.length - 5))).toBe(0);

  const bad = await as(request(app).get(url)).set('Range', `bytes=${bytes.length}-`).expect(416);
  expect(bad.headers['content-range']).toBe(`bytes */${bytes.length}`);
  expect(bad.body.error.code).toBe('RANGE_NOT_SATISFIABLE');

  await as(request(app).get(url)).set('If-None-Match', `"${snap.sha256}"`).expect(304);

  const traversal = await as(
    request(app).get(`/api/runs/${runid}/archives/..%2F..%2Fsecret.zip/download`),
  ).expect(400);
  expect(traversal.body.error.code).toBe('INVALID_ARCHIVE_NAME');
  const missing = await as(request(app).get(`/api/runs/${runid}/archives/gone.zip/download`)).expect(404);
  expect(missing.body.error.code).toBe('ARCHIVE_NOT_FOUND');
});

test('DELETE removes the archive file and its row (204), then 404', async () => {
  const { runid, runDir } = await makeRun();
  const snap = await snapshotOf(runid, runDir);
  await as(request(app).delete(`/api/runs/${runid}/archives/${snap.name}`)).expect(403);
  await as(request(app).delete(`/api/runs/${runid}/archives/${snap.name}`), olga).expect(204);
  await expect(fs.stat(snap.path)).rejects.toThrow();
  expect(await api.world.prisma.archive.count({ where: { runId: runid } })).toBe(0);
  const again = await as(request(app).delete(`/api/runs/${runid}/archives/${snap.name}`), olga).expect(404);
  expect(again.body.error.code).toBe('ARCHIVE_NOT_FOUND');
  const bad = await as(request(app).delete(`/api/runs/${runid}/archives/..%2Frun.zip`), olga).expect(400);
  expect(bad.body.error.code).toBe('INVALID_ARCHIVE_NAME');
  const list = await as(request(app).get(`/api/runs/${runid}/archives`)).expect(200);
  expect(list.body.items).toEqual([]);
});
