import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import {
  ARCHIVES_DIR,
  BaseWorker,
  LOCK_FILE_SUFFIX,
  PROVENANCE_FILE,
  TERMINAL_EVENT_TYPES,
  createSnapshot,
  recordArchive,
  replayEvents,
  runPath,
  type ArkiveEvent,
} from '@arkive/shared';
import { waitFor } from '@arkive/shared/test-support/harness';
import { createApiWorld, type ApiWorld } from '../../services/api/src/test-support/api-world';
import { makeRun, makeUser, type TestUser } from '../../services/api/src/test-support/users';
import { runSyncProcessor } from '../../services/run-sync/src/run-sync/processor';
import { runTree, startFaultProxy } from './run-sync-support';

/**
 * Two Arkive instances on loopback (each its own PostgreSQL schema, Redis prefix, data dir and
 * port): the source serves its export routes over real HTTP, the destination's API queues the
 * import and its run-sync worker pulls it, through a fault-injecting proxy where a test needs one.
 */
let source: ApiWorld;
let dest: ApiWorld;
let sourceServer: http.Server;
let sourceUrl: string;
let destServer: http.Server;
let destUrl: string;
let worker: BaseWorker;
let srcAdmin: TestUser;
let dstAdmin: TestUser;
let dstUser: TestUser;
let n = 0;

async function listen(app: http.RequestListener, port = 0): Promise<[http.Server, string]> {
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`];
}

async function freePort(): Promise<number> {
  const [s] = await listen(() => undefined);
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  const destPort = await freePort();
  const sourcePort = await freePort();
  dest = await createApiWorld({ RUN_SYNC_TIMEOUT_SECONDS: '5', API_URL: `http://127.0.0.1:${destPort}` });
  source = await createApiWorld({
    API_URL: `http://127.0.0.1:${sourcePort}`,
    ALLOW_PUSH: `http://127.0.0.1:${destPort}`,
  });
  [sourceServer, sourceUrl] = await listen(source.app, sourcePort);
  [destServer, destUrl] = await listen(dest.app, destPort);
  srcAdmin = await makeUser(source, 'src-admin', { isAdmin: true });
  dstAdmin = await makeUser(dest, 'dst-admin', { isAdmin: true });
  dstUser = await makeUser(dest, 'owner@example.org');
  const { config, prisma, redis } = dest.world;
  worker = new BaseWorker({
    queue: 'run-sync',
    processors: [runSyncProcessor],
    config,
    prisma,
    connection: redis,
  });
  worker.start();
  await worker.waitUntilReady();
});
afterAll(async () => {
  await worker?.close(100);
  await new Promise((r) => sourceServer?.close(r));
  await new Promise((r) => destServer?.close(r));
  await source?.close();
  await dest?.close();
});

/** A registered run on the source with a few files (one 1 MiB of random bytes) and one snapshot. */
async function sourceRun(opts: { snapshot?: boolean } = {}) {
  const runid = `sync-${++n}-${randomBytes(3).toString('hex')}`;
  await makeRun(source, runid, srcAdmin);
  const dir = runPath(source.world.config.runsRoot, runid);
  await fs.mkdir(path.join(dir, 'wepp', 'output'), { recursive: true });
  await fs.mkdir(path.join(dir, 'empty'));
  await fs.writeFile(path.join(dir, 'wepp', 'output', 'big.bin'), randomBytes(1 << 20));
  for (let i = 0; i < 5; i++)
    await fs.writeFile(path.join(dir, 'wepp', 'output', `H${i}.dat`), `h ${i}\n`.repeat(200));
  await fs.writeFile(path.join(dir, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  await fs.symlink('wepp/output/H0.dat', path.join(dir, 'latest.dat'));
  await fs.writeFile(path.join(dir, 'nodb.version'), '1000\n');
  let archive: string | undefined;
  if (opts.snapshot !== false) archive = (await snapshot(runid)).name;
  return { runid, dir, archive };
}

async function snapshot(runid: string, name?: string) {
  const dir = runPath(source.world.config.runsRoot, runid);
  const snap = await createSnapshot({ runDir: dir, ...(name ? { name } : {}) });
  await recordArchive(source.world.prisma, {
    runId: runid,
    name: snap.name,
    label: null,
    size: snap.size,
    sha256: snap.sha256,
    fileCount: snap.fileCount,
    localPath: snap.path,
    kind: 'snapshot',
    operationId: null,
    createdBy: 'src-admin',
  });
  return snap;
}

async function token(runs?: string[]) {
  const res = await request(source.app)
    .post('/api/sync-tokens')
    .set(srcAdmin.auth)
    .send({ name: 'to dest', expires_in_days: 1, ...(runs ? { runs } : {}) })
    .expect(201);
  return res.body as { id: string; token: string };
}

async function importRun(body: Record<string, unknown>, expectStatus = 202) {
  return request(dest.app).post('/api/run-sync').set(dstAdmin.auth).send(body).expect(expectStatus);
}

async function eventsUntilEnd(channel: string, operationId: string): Promise<ArkiveEvent[]> {
  return waitFor(async () => {
    const evs = (await replayEvents(dest.world.redis, dest.world.prefix, channel)).filter(
      (e) => e.operationId === operationId,
    );
    return evs.some((e) => TERMINAL_EVENT_TYPES.has(e.type)) ? evs : null;
  }, 60000);
}

async function runImport(body: Record<string, unknown>) {
  const res = await importRun(body);
  const { operationId, channel } = res.body as { operationId: string; channel: string };
  const events = await eventsUntilEnd(channel, operationId);
  const op = await dest.world.prisma.operation.findUniqueOrThrow({ where: { id: operationId } });
  const row = await dest.world.prisma.runSync.findUniqueOrThrow({ where: { operationId } });
  return { operationId, channel, events, op, row };
}

const destRunsRoot = () => dest.world.config.runsRoot;
const destEntries = async () => (await fs.readdir(destRunsRoot()).catch(() => [])).sort();

test('happy path: the run arrives byte-identical, with provenance, owner, events in order and the status row', async () => {
  const { runid, dir, archive } = await sourceRun();
  const { token: t } = await token([runid]);
  const before = await destEntries();
  const { events, op, row, channel } = await runImport({
    source_host: sourceUrl,
    runid,
    auth_token: t,
    owner_email: 'owner@example.org',
  });
  expect(op.status).toBe('succeeded');
  expect(channel).toBe(`${runid}:run_sync`);
  const types = events.map((e) => e.type);
  const order = ['ENQUEUED', 'DOWNLOADING', 'CHECKSUM_OK', 'REGISTERED', 'SYNC_COMPLETE'];
  expect(types.filter((t) => order.includes(t))).toEqual(order);
  expect(types.filter((t) => TERMINAL_EVENT_TYPES.has(t))).toEqual(['SYNC_COMPLETE']);
  const progress = events.filter((e) => e.stage === 'downloading' && e.progress?.unit === 'bytes');
  expect(progress.length).toBeGreaterThan(0);
  expect(progress.at(-1)!.progress!.current).toBe(progress.at(-1)!.progress!.total);

  const target = runPath(destRunsRoot(), runid);
  expect(await runTree(target)).toEqual(await runTree(dir));
  expect(await destEntries()).toEqual([...before, runid].sort());
  // the pulled files keep the source's mtimes; the run row says it changed now (its backup is due)
  const registered = await dest.world.prisma.run.findUniqueOrThrow({ where: { id: runid } });
  expect(registered.lastEditedAt!.getTime()).toBeGreaterThanOrEqual(op.createdAt.getTime());
  // the archive as pulled is kept, byte-identical to the source's
  const srcZip = await fs.readFile(path.join(dir, ARCHIVES_DIR, archive!));
  const sha = createHash('sha256').update(srcZip).digest('hex');
  expect(await fs.readdir(path.join(target, ARCHIVES_DIR))).toEqual([archive]);
  expect(
    createHash('sha256')
      .update(await fs.readFile(path.join(target, ARCHIVES_DIR, archive!)))
      .digest('hex'),
  ).toBe(sha);
  const checksumOk = events.find((e) => e.type === 'CHECKSUM_OK')!;
  expect(checksumOk.detail).toEqual({ size: srcZip.length, sha256: sha });

  const prov = JSON.parse(await fs.readFile(path.join(target, PROVENANCE_FILE), 'utf8'));
  expect(prov).toMatchObject({
    runid,
    source_host: sourceUrl,
    original_url: `${sourceUrl}/api/runs/${runid}/export?name=${archive}`,
    owner_email: 'owner@example.org',
    version_at_pull: 1000,
    sha256: sha,
  });
  expect(Number.isNaN(Date.parse(prov.pulled_at))).toBe(false);
  expect(JSON.stringify(prov)).not.toContain(t);

  const member = await dest.world.prisma.runMember.findUniqueOrThrow({
    where: { runId_userId: { runId: runid, userId: dstUser.id } },
  });
  expect(member.role).toBe('owner');
  expect(row).toMatchObject({
    status: 'succeeded',
    sha256: sha,
    owner: 'owner@example.org',
    authToken: null,
  });
  expect(Number(row.bytes)).toBe(srcZip.length);

  // The status table and the provenance route read the same.
  const list = await request(dest.app).get(`/api/run-sync?runid=${runid}`).set(dstAdmin.auth).expect(200);
  expect(list.body.items).toHaveLength(1);
  expect(list.body.items[0]).toMatchObject({
    runid,
    status: 'succeeded',
    sha256: sha,
    source_host: sourceUrl,
  });
  const p = await request(dest.app).get(`/api/runs/${runid}/provenance`).set(dstUser.auth).expect(200);
  expect(p.body.provenance).toMatchObject({ runid, sha256: sha, version_at_pull: 1000 });
  // The fleet-wide record: the run's row in the migrations table carries the provenance.
  const record = await dest.world.prisma.runMigration.findUniqueOrThrow({ where: { runid } });
  expect(record).toMatchObject({ sourceHost: sourceUrl, versionAtPull: 1000, lastStatus: 'synced' });
  expect(record.localPath).toMatch(new RegExp(`${runid}$`));
  // the new owner sees the run; the operation's input never carries the token
  await request(dest.app).get(`/api/runs/${runid}`).set(dstUser.auth).expect(200);
  expect(JSON.stringify(op.input)).not.toContain(t);
});

test('a fresh snapshot at the source (from=snapshot) when the run has no archive yet', async () => {
  const { runid, dir } = await sourceRun({ snapshot: false });
  const { token: t } = await token([runid]);
  const info = await request(sourceUrl)
    .get(`/api/runs/${runid}/export/info`)
    .set('Authorization', `Bearer ${t}`);
  expect(info.status).toBe(404);
  expect(info.body.error.code).toBe('NO_ARCHIVE');
  const { op } = await runImport({ source_host: sourceUrl, runid, auth_token: t, from: 'snapshot' });
  expect(op.status).toBe('succeeded');
  expect(await runTree(runPath(destRunsRoot(), runid))).toEqual(await runTree(dir));
});

test('wrong bytes from the source: CHECKSUM_MISMATCH, nothing registered and nothing left in RUNS_ROOT', async () => {
  const { runid } = await sourceRun();
  const { token: t } = await token([runid]);
  const proxy = await startFaultProxy(sourceUrl);
  try {
    proxy.faults.push({ corruptAt: 5000 });
    const before = await destEntries();
    const { events, op, row } = await runImport({ source_host: proxy.url, runid, auth_token: t });
    expect(op.status).toBe('failed');
    expect(op.errorCode).toBe('CHECKSUM_MISMATCH');
    const types = events.map((e) => e.type);
    expect(types).not.toContain('CHECKSUM_OK');
    expect(types).not.toContain('REGISTERED');
    expect(types.at(-1)).toBe('EXCEPTION');
    expect(events.at(-1)!.message).toMatch(/does not match the source's export info/);
    expect(await destEntries()).toEqual(before);
    expect(await dest.world.prisma.run.findUnique({ where: { id: runid } })).toBeNull();
    expect(row.status).toBe('failed');
    // the download is not kept either
    expect(await fs.readdir(path.join(dest.world.config.storageRoot, 'run-sync'))).toEqual([]);
  } finally {
    await proxy.close();
  }
});

test('a connection dropped half way is resumed with Range and gives the exact archive', async () => {
  const { runid, dir, archive } = await sourceRun();
  const { token: t } = await token([runid]);
  const size = (await fs.stat(path.join(dir, ARCHIVES_DIR, archive!))).size;
  const proxy = await startFaultProxy(sourceUrl);
  try {
    proxy.faults.push({ dropAfterBytes: Math.floor(size / 2) });
    const { events, op } = await runImport({ source_host: proxy.url, runid, auth_token: t });
    expect(op.status).toBe('succeeded');
    const downloads = proxy.exportRequests();
    expect(downloads).toHaveLength(2);
    expect(downloads[0].range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(downloads[1].range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(Math.floor(size / 2));
    expect(downloads[1].ifRange).toMatch(/^"[0-9a-f]{64}"$/);
    expect(events.some((e) => e.message.startsWith('Resuming at '))).toBe(true);
    expect(await runTree(runPath(destRunsRoot(), runid))).toEqual(await runTree(dir));
  } finally {
    await proxy.close();
  }
});

test('the source changes its archive mid-download (new ETag): the download starts again from zero, never spliced', async () => {
  const { runid, dir, archive } = await sourceRun();
  const { token: t } = await token([runid]);
  const file = path.join(dir, ARCHIVES_DIR, archive!);
  const size = (await fs.stat(file)).size;
  const proxy = await startFaultProxy(sourceUrl);
  try {
    proxy.faults.push({
      dropAfterBytes: Math.floor(size / 2),
      // While the first download is half way, the source's archive of that name is replaced by
      // one of changed content (as a re-snapshot under the same name would).
      beforeDrop: async () => {
        await fs.writeFile(path.join(dir, 'wepp', 'output', 'big.bin'), randomBytes(1 << 20));
        await fs.writeFile(path.join(dir, 'changed.txt'), 'after the first download started\n');
        await fs.rm(file);
        await snapshot(runid, archive);
      },
    });
    const { events, op } = await runImport({ source_host: proxy.url, runid, auth_token: t });
    expect(op.status).toBe('succeeded');
    const downloads = proxy.exportRequests();
    // first (dropped), the resume (answered with the new ETag, refused), then from zero
    expect(downloads.length).toBe(3);
    expect(downloads[1].range).toMatch(/^bytes=\d+-$/);
    expect(downloads[2].range).toBeUndefined();
    expect(events.some((e) => /archive changed \(ETag .*\); starting again from zero/.test(e.message))).toBe(
      true,
    );
    expect(await runTree(runPath(destRunsRoot(), runid))).toEqual(await runTree(dir));
    const newSha = createHash('sha256')
      .update(await fs.readFile(file))
      .digest('hex');
    expect((op.result as { sha256: string }).sha256).toBe(newSha);
  } finally {
    await proxy.close();
  }
});

test('overwrite rules: an existing run needs overwrite; with it the old content is kept as a pre-restore snapshot', async () => {
  const { runid, dir } = await sourceRun();
  const { token: t } = await token([runid]);
  await makeRun(dest, runid, dstAdmin);
  const target = runPath(destRunsRoot(), runid);
  await fs.writeFile(path.join(target, 'local-only.txt'), 'made on the destination\n');
  const refused = await importRun({ source_host: sourceUrl, runid, auth_token: t }, 409);
  expect(refused.body.error.code).toBe('RUN_EXISTS');
  const { op } = await runImport({ source_host: sourceUrl, runid, auth_token: t, overwrite: true });
  expect(op.status).toBe('succeeded');
  expect(await runTree(target)).toEqual(await runTree(dir));
  const pre = (op.result as { preRestoreArchive: string }).preRestoreArchive;
  expect(pre).toMatch(/^pre-restore-.*\.zip$/);
  const row = await dest.world.prisma.archive.findUniqueOrThrow({
    where: { runId_name: { runId: runid, name: pre } },
  });
  expect(row.kind).toBe('pre-restore');
  expect((await fs.stat(path.join(target, ARCHIVES_DIR, pre))).size).toBeGreaterThan(0);
});

test('a locked target is refused, with or without overwrite, and stays as it was', async () => {
  const { runid } = await sourceRun();
  const { token: t } = await token([runid]);
  await makeRun(dest, runid, dstAdmin);
  const target = runPath(destRunsRoot(), runid);
  await fs.writeFile(path.join(target, `wepp${LOCK_FILE_SUFFIX}`), '');
  const before = await runTree(target);
  const refused = await importRun({ source_host: sourceUrl, runid, auth_token: t, overwrite: true }, 409);
  expect(refused.body.error.code).toBe('RUN_LOCKED');
  expect(await runTree(target)).toEqual(before);
});

test('a revoked or wrong token: 401 from the source and a clear EXCEPTION; nothing registered', async () => {
  const { runid } = await sourceRun();
  const { id, token: t } = await token([runid]);
  await request(source.app).delete(`/api/sync-tokens/${id}`).set(srcAdmin.auth).expect(200);
  const direct = await request(sourceUrl)
    .get(`/api/runs/${runid}/export/info`)
    .set('Authorization', `Bearer ${t}`);
  expect(direct.status).toBe(401);
  expect(direct.body.error.code).toBe('SYNC_TOKEN_REVOKED');
  const before = await destEntries();
  const { events, op } = await runImport({ source_host: sourceUrl, runid, auth_token: t });
  expect(op.status).toBe('failed');
  expect(op.errorCode).toBe('SOURCE_UNAUTHORIZED');
  expect(events.at(-1)).toMatchObject({ type: 'EXCEPTION' });
  expect(events.at(-1)!.message).toMatch(/refused the sync token .*401 SYNC_TOKEN_REVOKED/);
  expect(op.attempt).toBe(1);

  const wrong = await runImport({ source_host: sourceUrl, runid, auth_token: 'arks_not-a-real-token' });
  expect(wrong.op.errorCode).toBe('SOURCE_UNAUTHORIZED');
  expect(wrong.events.at(-1)!.message).toMatch(/401 SYNC_TOKEN_INVALID/);
  expect(await destEntries()).toEqual(before);
  expect(await dest.world.prisma.run.findUnique({ where: { id: runid } })).toBeNull();
});

test('sync tokens: shown once, stored hashed, limited to their runs and to the export routes', async () => {
  const a = await sourceRun();
  const b = await sourceRun();
  const { id, token: t } = await token([a.runid]);
  const stored = await source.world.prisma.syncToken.findUniqueOrThrow({ where: { id } });
  expect(stored.tokenHash).toBe(createHash('sha256').update(t).digest('hex'));
  expect(JSON.stringify(stored)).not.toContain(t);
  const listed = await request(source.app).get('/api/sync-tokens').set(srcAdmin.auth).expect(200);
  expect(JSON.stringify(listed.body)).not.toContain(t);
  expect(listed.body.items.find((x: { id: string }) => x.id === id)).toMatchObject({
    status: 'active',
    runs: [a.runid],
  });
  const bearer = { Authorization: `Bearer ${t}` };
  const info = await request(source.app).get(`/api/runs/${a.runid}/export/info`).set(bearer).expect(200);
  expect(info.body).toMatchObject({ runid: a.runid, name: a.archive, version: 1000 });
  expect(Object.keys(info.body).sort()).toEqual([
    'created_at',
    'files',
    'name',
    'runid',
    'sha256',
    'size',
    'version',
  ]);
  const full = await request(source.app)
    .get(`/api/runs/${a.runid}/export`)
    .set(bearer)
    .buffer(true)
    .parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  expect(full.status).toBe(200);
  expect(full.headers.etag).toBe(`"${info.body.sha256}"`);
  expect(Number(full.headers['content-length'])).toBe(info.body.size);
  expect(
    createHash('sha256')
      .update(full.body as Buffer)
      .digest('hex'),
  ).toBe(info.body.sha256);
  const part = await request(source.app)
    .get(`/api/runs/${a.runid}/export?name=${a.archive}`)
    .set(bearer)
    .set('Range', 'bytes=10-19');
  expect(part.status).toBe(206);
  expect(part.headers['content-range']).toBe(`bytes 10-19/${info.body.size}`);
  // another run, another route, a write: nothing
  expect((await request(source.app).get(`/api/runs/${b.runid}/export/info`).set(bearer)).status).toBe(404);
  expect((await request(source.app).get(`/api/runs/${a.runid}`).set(bearer)).status).toBe(401);
  expect((await request(source.app).get(`/api/runs/${a.runid}/archives`).set(bearer)).status).toBe(401);
  expect((await request(source.app).get('/api/sync-tokens').set(bearer)).status).toBe(401);
});

test('non-admins are refused: import, push, status table, tokens', async () => {
  const user = await makeUser(source, `plain-${randomBytes(2).toString('hex')}`);
  for (const [method, url, body] of [
    ['post', '/api/run-sync', { source_host: sourceUrl, runid: 'x' }],
    ['get', '/api/run-sync', undefined],
    ['post', '/api/run-sync/push', { dest_host: destUrl, runid: 'x', auth_token: 'y' }],
    ['post', '/api/sync-tokens', { name: 'x', expires_in_days: 1 }],
    ['get', '/api/sync-tokens', undefined],
  ] as const) {
    const req = request(source.app)[method](url).set(user.auth);
    const res = await (body ? req.send(body) : req);
    expect([method, url, res.status]).toEqual([method, url, 403]);
    const anon = request(source.app)[method](url);
    expect((await (body ? anon.send(body) : anon)).status).toBe(401);
  }
});

test('bad input: target roots other than RUNS_ROOT, hosts that are not URLs', async () => {
  const r1 = await importRun({ source_host: sourceUrl, runid: 'abc', target_root: '/etc' }, 400);
  expect(r1.body.error.code).toBe('TARGET_ROOT_NOT_ALLOWED');
  const r2 = await importRun(
    { source_host: sourceUrl, runid: 'abc', target_root: `${destRunsRoot()}/../x` },
    400,
  );
  expect(r2.body.error.code).toBe('TARGET_ROOT_NOT_ALLOWED');
  const r3 = await importRun({ source_host: 'file:///etc/passwd', runid: 'abc' }, 400);
  expect(r3.body.error.code).toBe('INVALID_HOST');
  const r4 = await importRun({ source_host: sourceUrl, runid: '../x' }, 400);
  expect(r4.body.error.code).toBeDefined();
});

test('push: only to a host named in ALLOW_PUSH; the destination imports through its own job', async () => {
  const { runid, dir } = await sourceRun();
  const refused = await request(source.app)
    .post('/api/run-sync/push')
    .set(srcAdmin.auth)
    .send({ dest_host: 'http://127.0.0.1:9', runid, auth_token: dstAdmin.token })
    .expect(403);
  expect(refused.body.error.code).toBe('PUSH_NOT_ALLOWED');
  const res = await request(source.app)
    .post('/api/run-sync/push')
    .set(srcAdmin.auth)
    .send({ dest_host: destUrl, runid, auth_token: dstAdmin.token })
    .expect(202);
  expect(res.body.channel).toBe(`${runid}:run_sync`);
  const events = await eventsUntilEnd(res.body.channel, res.body.operationId);
  expect(events.at(-1)!.type).toBe('SYNC_COMPLETE');
  expect(await runTree(runPath(destRunsRoot(), runid))).toEqual(await runTree(dir));
  const row = await dest.world.prisma.runSync.findUniqueOrThrow({
    where: { operationId: res.body.operationId },
  });
  expect(row).toMatchObject({ sourceHost: sourceUrl, createdBy: 'dst-admin', status: 'succeeded' });
  // the token minted for the pull works only for that run
  const minted = await source.world.prisma.syncToken.findUniqueOrThrow({
    where: { id: res.body.sync_token_id },
  });
  expect(minted.runs).toEqual([runid]);
  expect(minted.useCount).toBeGreaterThan(0);
});

/** Runs a command without blocking this process (both APIs answer from it). */
function runAsync(cmd: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: path.resolve(__dirname, '../..') });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

test('arkive sync pull: imports through this host’s API and waits for the end; a refused token fails with its code', async () => {
  const build = await runAsync('npx', ['tsc', '-b', 'services/cli/tsconfig.build.json']);
  expect(build.stderr + build.stdout).toBe('');
  const cli = path.resolve(__dirname, '../../services/cli/dist/index.js');
  const { runid, dir } = await sourceRun();
  const { id, token: t } = await token([runid]);
  const args = ['--api', destUrl, '--api-token', dstAdmin.token, '--token', t];
  const ok = await runAsync(process.execPath, [cli, '--json', 'sync', 'pull', sourceUrl, runid, ...args]);
  expect(ok.stderr).toBe('');
  expect(ok.status).toBe(0);
  const out = JSON.parse(ok.stdout) as { ok: boolean; runDir: string; sha256: string };
  expect(out).toMatchObject({ ok: true, runDir: runPath(destRunsRoot(), runid) });
  expect(await runTree(out.runDir)).toEqual(await runTree(dir));

  const other = await sourceRun();
  await request(source.app).delete(`/api/sync-tokens/${id}`).set(srcAdmin.auth).expect(200);
  const refused = await runAsync(process.execPath, [
    cli,
    '--json',
    'sync',
    'pull',
    sourceUrl,
    other.runid,
    ...args,
  ]);
  expect(refused.status).toBe(1);
  expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, error: { code: 'SOURCE_UNAUTHORIZED' } });
  expect(refused.stderr).toMatch(/401 SYNC_TOKEN_REVOKED/);
}, 240_000);

test('a run viewer reads the export but may not have it make a fresh snapshot', async () => {
  const { runid, archive } = await sourceRun();
  const viewer = await makeUser(source, `viewer-${randomBytes(2).toString('hex')}`);
  await request(source.app)
    .post(`/api/runs/${runid}/members`)
    .set(srcAdmin.auth)
    .send({ username: viewer.username, role: 'viewer' })
    .expect(200);
  const info = await request(source.app).get(`/api/runs/${runid}/export/info`).set(viewer.auth).expect(200);
  expect(info.body.name).toBe(archive);
  const refused = await request(source.app)
    .get(`/api/runs/${runid}/export/info?from=snapshot`)
    .set(viewer.auth)
    .expect(403);
  expect(refused.body.error.code).toBe('FORBIDDEN');
  const archives = await source.world.prisma.archive.count({ where: { runId: runid } });
  expect(archives).toBe(1);
  const stranger = await makeUser(source, `stranger-${randomBytes(2).toString('hex')}`);
  expect((await request(source.app).get(`/api/runs/${runid}/export/info`).set(stranger.auth)).status).toBe(
    404,
  );
});
