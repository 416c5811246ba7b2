/**
 * Moving a run between two (and three) hosts on one machine: each host runs the real backup
 * service (built, as `npm start` runs it) with its own HOST_ID and RUNS_ROOT on the same
 * Redis/PostgreSQL and DATA_DIR (the local bucket driver: the restic repository under
 * DATA_DIR/buckets). Real restic, real files.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createQueueProvider,
  enqueueOperation,
  EventPublisher,
  heartbeatHost,
  parseConfig,
  placedQueue,
  requestCancel,
  retryOperation,
  runBackup,
  runLocksKey,
  runMove,
  type QueueProvider,
} from '@arkive/shared';
import { createTestWorld, waitFor, type TestWorld } from '@arkive/shared/test-support/harness';
import { startServiceHost } from './service-host';

let world: TestWorld;
let queues: QueueProvider;
let base: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-move-'));
  world = await createTestWorld({
    HOST_HEARTBEAT_SECONDS: '1',
    HOST_OFFLINE_SECONDS: '3',
    BACKUP_PASSWORD: 'move-test-password',
  });
  queues = createQueueProvider(world.redis, world.prefix);
  await Promise.all([startHost('h1'), startHost('h2')]);
}, 120_000);
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await queues.closeAll();
  await world.close();
  await fs.rm(base, { recursive: true, force: true });
});

const runsRoot = (host: string) => path.join(base, host, 'runs');

async function startHost(host: string): Promise<ChildProcess> {
  const child = await startServiceHost('backup', base, host, world.env);
  children.push(child);
  return child;
}

/** A run on `host` with nested files, a binary one, an empty one and a local snapshot in archives/. */
async function placeRun(runid: string, host: string) {
  const dir = path.join(runsRoot(host), runid);
  await fs.mkdir(path.join(dir, 'output', 'deep'), { recursive: true });
  await fs.mkdir(path.join(dir, 'archives'), { recursive: true });
  await fs.writeFile(path.join(dir, 'output', 'result.dat'), `${runid} on ${host}\n`);
  await fs.writeFile(
    path.join(dir, 'output', 'deep', 'blob.bin'),
    Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)),
  );
  await fs.writeFile(path.join(dir, 'empty.txt'), '');
  await fs.writeFile(path.join(dir, 'archives', 'snap-1.zip'), Buffer.alloc(4096, 1));
  await world.prisma.run.create({ data: { id: runid, hostId: host, createdBy: 'test' } });
  await world.prisma.archive.create({
    data: {
      runId: runid,
      name: 'snap-1.zip',
      size: 4096n,
      sha256: 'x'.repeat(64),
      fileCount: 3,
      localPath: path.join(dir, 'archives', 'snap-1.zip'),
    },
  });
}

/** Path → SHA-256 of every file under `dir` (archives/ left out unless asked). */
async function contentOf(dir: string, withArchives = false): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(rel: string) {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && e.name === 'archives' && !withArchives) continue;
      if (e.isDirectory()) await walk(p);
      else
        out[p] = createHash('sha256')
          .update(await fs.readFile(path.join(dir, p)))
          .digest('hex');
    }
  }
  await walk('');
  return out;
}

const deps = () => ({
  prisma: world.prisma,
  publisher: new EventPublisher(world.redis, world.prefix),
  queues,
  config: world.config,
});
const row = (id: string) => world.prisma.operation.findUniqueOrThrow({ where: { id } });
const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );
const lockOf = (runid: string) => world.redis.hgetall(runLocksKey(world.prefix, runid));
const logsOf = async (id: string) =>
  (await world.prisma.operationLog.findMany({ where: { operationId: id }, orderBy: { id: 'asc' } })).map(
    (l) => l.message,
  );

async function until(id: string, status: string, ms = 120_000) {
  return waitFor(async () => {
    const o = await row(id);
    if (o.status !== status && ['succeeded', 'failed', 'cancelled'].includes(o.status))
      throw new Error(`operation ended ${o.status}: ${o.error}\n${(await logsOf(id)).join('\n')}`);
    return o.status === status ? o : null;
  }, ms);
}

function startMove(runid: string, from: string, to: string, includeArchives = false) {
  return enqueueOperation(deps(), runMove, { runid, sourceHostId: from, destHostId: to, includeArchives });
}

test('a run never backed up moves with its archives: backed up, byte-identical on the destination, gone from the source', async () => {
  await placeRun('mv-a', 'h1');
  const before = await contentOf(path.join(runsRoot('h1'), 'mv-a'), true);
  const { operationId, operation } = await startMove('mv-a', 'h1', 'h2', true);
  expect(operation).toMatchObject({ queue: 'backup', hostId: 'h1' });
  const done = await until(operationId, 'succeeded');
  expect(done.result).toMatchObject({
    from: 'h1',
    to: 'h2',
    backedUp: true,
    archivesMoved: 1,
    archivesRemoved: 0,
  });
  expect(done.progressPercent).toBe(100);
  expect(await contentOf(path.join(runsRoot('h2'), 'mv-a'), true)).toEqual(before);
  expect(await exists(path.join(runsRoot('h1'), 'mv-a'))).toBe(false);
  expect(await fs.readdir(runsRoot('h1'))).toEqual([]);
  const run = await world.prisma.run.findUniqueOrThrow({ where: { id: 'mv-a' } });
  expect(run.hostId).toBe('h2');
  const archive = await world.prisma.archive.findFirstOrThrow({ where: { runId: 'mv-a' } });
  expect(archive.localPath).toBe(path.join(runsRoot('h2'), 'mv-a', 'archives', 'snap-1.zip'));
  expect(await world.prisma.backup.count({ where: { runId: 'mv-a', purpose: 'move' } })).toBe(1);
  expect(await lockOf('mv-a')).toEqual({});
  const logs = (await logsOf(operationId)).join('\n');
  expect(logs).toMatch(/Backing up with archives\//);
  expect(logs).toMatch(/Verified \d+ files/);
  expect(logs).toMatch(/Removed the source copy on h1/);
}, 180_000);

test('a run backed up after its last edit moves without a new backup; its local snapshots are not moved', async () => {
  await placeRun('mv-b', 'h1');
  const b = await enqueueOperation(deps(), runBackup, { runid: 'mv-b', purpose: 'manual' });
  await until(b.operationId, 'succeeded');
  const before = await contentOf(path.join(runsRoot('h1'), 'mv-b'));
  const { operationId } = await startMove('mv-b', 'h1', 'h2');
  const done = await until(operationId, 'succeeded');
  expect(done.result).toMatchObject({ backedUp: false, archivesMoved: 0, archivesRemoved: 1 });
  expect(await contentOf(path.join(runsRoot('h2'), 'mv-b'), true)).toEqual(before);
  expect(await exists(path.join(runsRoot('h2'), 'mv-b', 'archives', 'snap-1.zip'))).toBe(false);
  expect(await exists(path.join(runsRoot('h1'), 'mv-b'))).toBe(false);
  expect(await world.prisma.archive.count({ where: { runId: 'mv-b' } })).toBe(0);
  expect(await world.prisma.backup.count({ where: { runId: 'mv-b' } })).toBe(1);
  expect((await logsOf(operationId)).join('\n')).toMatch(/No backup needed/);
}, 180_000);

test('a move to an offline host waits in its queue and completes when the host starts', async () => {
  // h3 is known (it ran once) but its workers are down
  await heartbeatHost(
    world.prisma,
    parseConfig({ ...world.env, HOST_ID: 'h3', RUNS_ROOT: runsRoot('h3') }),
    true,
  );
  await world.prisma.host.update({
    where: { id: 'h3' },
    data: { lastHeartbeatAt: new Date(Date.now() - 60_000) },
  });
  await placeRun('mv-c', 'h1');
  const before = await contentOf(path.join(runsRoot('h1'), 'mv-c'));
  const { operationId } = await startMove('mv-c', 'h1', 'h3');
  const waiting = await waitFor(async () => {
    const o = await row(operationId);
    return o.stage === 'restoring' && o.status === 'queued' ? o : null;
  }, 120_000);
  expect(waiting).toMatchObject({ queue: 'move-dest', hostId: 'h3' });
  expect(await queues.get(placedQueue('move-dest', 'h3')).getJob(operationId)).toBeDefined();
  // the run answers its new host already, is locked, and nobody else takes the job
  expect((await world.prisma.run.findUniqueOrThrow({ where: { id: 'mv-c' } })).hostId).toBe('h3');
  expect(Object.keys(await lockOf('mv-c'))).toEqual(['arkive-move']);
  await new Promise((r) => setTimeout(r, 3000));
  expect(await row(operationId)).toMatchObject({ status: 'queued', stage: 'restoring' });
  expect(await exists(path.join(runsRoot('h1'), 'mv-c'))).toBe(true);

  await startHost('h3');
  await until(operationId, 'succeeded');
  expect(await contentOf(path.join(runsRoot('h3'), 'mv-c'))).toEqual(before);
  expect(await exists(path.join(runsRoot('h1'), 'mv-c'))).toBe(false);
  expect(await lockOf('mv-c')).toEqual({});
}, 240_000);

test('a move whose destination restore fails leaves the source as it was, usable; a retry starts over and completes', async () => {
  await placeRun('mv-d', 'h1');
  const src = path.join(runsRoot('h1'), 'mv-d');
  const before = await contentOf(src, true);
  // the destination holds something under the run's name: the restore there must fail
  const squatter = path.join(runsRoot('h2'), 'mv-d');
  await fs.mkdir(squatter, { recursive: true });
  await fs.writeFile(path.join(squatter, 'other.txt'), 'not this run');
  const { operationId } = await startMove('mv-d', 'h1', 'h2');
  const failed = await until(operationId, 'failed');
  expect(failed.stage).toBe('restoring');
  expect(failed.errorCode).toBe('RUN_EXISTS');
  expect((await logsOf(operationId)).join('\n')).toMatch(/is back on h1, unchanged and unlocked/);
  expect((await world.prisma.run.findUniqueOrThrow({ where: { id: 'mv-d' } })).hostId).toBe('h1');
  expect(await contentOf(src, true)).toEqual(before);
  expect(await world.prisma.archive.count({ where: { runId: 'mv-d' } })).toBe(1);
  expect(await lockOf('mv-d')).toEqual({});
  expect(await fs.readFile(path.join(squatter, 'other.txt'), 'utf8')).toBe('not this run');
  // usable: other work on the run runs on its source host
  const b = await enqueueOperation(deps(), runBackup, { runid: 'mv-d', purpose: 'manual' });
  expect((await until(b.operationId, 'succeeded')).hostId).toBe('h1');

  // the run changed meanwhile; the retry starts at validating (never restores the old backup)
  await fs.writeFile(path.join(src, 'output', 'later.txt'), 'written after the failed move');
  const later = await contentOf(src);
  await fs.rm(squatter, { recursive: true });
  const retried = await retryOperation(deps(), operationId);
  expect(retried).toMatchObject({ stage: 'validating', hostId: 'h1', queue: 'backup' });
  const done = await until(operationId, 'succeeded');
  expect(done.result).toMatchObject({ backedUp: true });
  expect(await contentOf(path.join(runsRoot('h2'), 'mv-d'))).toEqual(later);
  expect(await exists(src)).toBe(false);
}, 240_000);

test('a move cancelled while it waits for an offline destination puts the run back; a retry starts over and completes when the host starts', async () => {
  await heartbeatHost(
    world.prisma,
    parseConfig({ ...world.env, HOST_ID: 'h4', RUNS_ROOT: runsRoot('h4') }),
    true,
  );
  await world.prisma.host.update({
    where: { id: 'h4' },
    data: { lastHeartbeatAt: new Date(Date.now() - 60_000) },
  });
  await placeRun('mv-e', 'h1');
  const src = path.join(runsRoot('h1'), 'mv-e');
  const before = await contentOf(src, true);
  const withoutArchives = await contentOf(src);
  const { operationId } = await startMove('mv-e', 'h1', 'h4');
  const waitRestoring = () =>
    waitFor(async () => {
      const o = await row(operationId);
      return o.stage === 'restoring' && o.status === 'queued' ? o : null;
    }, 120_000);
  await waitRestoring();
  expect((await world.prisma.run.findUniqueOrThrow({ where: { id: 'mv-e' } })).hostId).toBe('h4');

  const cancelled = await requestCancel(deps(), operationId);
  expect(cancelled.status).toBe('cancelled');
  expect(await queues.get(placedQueue('move-dest', 'h4')).getJob(operationId)).toBeUndefined();
  expect((await world.prisma.run.findUniqueOrThrow({ where: { id: 'mv-e' } })).hostId).toBe('h1');
  expect(await lockOf('mv-e')).toEqual({});
  expect(await contentOf(src, true)).toEqual(before);

  const retried = await retryOperation(deps(), operationId);
  expect(retried).toMatchObject({ stage: 'validating', hostId: 'h1' });
  await waitRestoring();
  await startHost('h4');
  const done = await until(operationId, 'succeeded');
  expect(done.result).toMatchObject({ to: 'h4', archivesRemoved: 1 });
  expect(await contentOf(path.join(runsRoot('h4'), 'mv-e'), true)).toEqual(withoutArchives);
  expect(await exists(src)).toBe(false);
}, 240_000);

test('a failure while removing the source copy is reported; the run lives on the destination, unlocked, and a retry removes the leftover', async () => {
  await placeRun('mv-f', 'h1');
  const src = path.join(runsRoot('h1'), 'mv-f');
  const content = await contentOf(src);
  const { operationId } = await startMove('mv-f', 'h1', 'h2');
  // the source copy is renamed aside before it is removed: a non-empty folder under that name makes the rename fail
  const aside = path.join(runsRoot('h1'), `.mv-f.moved-${operationId}`);
  await fs.mkdir(aside, { recursive: true });
  await fs.writeFile(path.join(aside, 'blocker'), 'x');
  const failed = await until(operationId, 'failed');
  expect(failed.stage).toBe('removing-source');
  expect(failed.error).toMatch(/ENOTEMPTY|not empty/i);
  expect((await world.prisma.run.findUniqueOrThrow({ where: { id: 'mv-f' } })).hostId).toBe('h2');
  expect(await contentOf(path.join(runsRoot('h2'), 'mv-f'))).toEqual(content);
  expect(await lockOf('mv-f')).toEqual({});
  expect(await exists(src)).toBe(true);

  await fs.rm(aside, { recursive: true });
  const retried = await retryOperation(deps(), operationId);
  expect(retried).toMatchObject({ stage: 'removing-source', hostId: 'h1', queue: 'move-source' });
  const done = await until(operationId, 'succeeded');
  expect(done.result).toMatchObject({ from: 'h1', to: 'h2' });
  expect(await exists(src)).toBe(false);
  expect(await exists(aside)).toBe(false);
  expect(await contentOf(path.join(runsRoot('h2'), 'mv-f'))).toEqual(content);
}, 180_000);

test('a retry of an old move whose run moved again since removes nothing (MOVE_SUPERSEDED)', async () => {
  await placeRun('mv-s', 'h1');
  const onH1 = path.join(runsRoot('h1'), 'mv-s');
  const { operationId } = await startMove('mv-s', 'h1', 'h2');
  const aside = path.join(runsRoot('h1'), `.mv-s.moved-${operationId}`);
  await fs.mkdir(aside, { recursive: true });
  await fs.writeFile(path.join(aside, 'blocker'), 'x');
  expect((await until(operationId, 'failed')).stage).toBe('removing-source');
  // Someone clears the leftover by hand, and the run is moved back to h1 and edited there.
  await fs.rm(aside, { recursive: true });
  await fs.rm(onH1, { recursive: true });
  const back = await startMove('mv-s', 'h2', 'h1');
  await until(back.operationId, 'succeeded');
  await fs.writeFile(path.join(onH1, 'new-since.txt'), 'work done after the move back');
  const content = await contentOf(onH1);

  await retryOperation(deps(), operationId);
  const superseded = await until(operationId, 'failed');
  expect(superseded.errorCode).toBe('MOVE_SUPERSEDED');
  expect(await contentOf(onH1)).toEqual(content);
  expect((await world.prisma.run.findUniqueOrThrow({ where: { id: 'mv-s' } })).hostId).toBe('h1');
  expect(await lockOf('mv-s')).toEqual({});
}, 240_000);
