import fs from 'node:fs/promises';
import path from 'node:path';
import {
  enqueueOperation,
  heartbeatHost,
  hostTurnOff,
  listSnapshots,
  replayEvents,
  requestCancel,
  resticRepoFor,
  retryOperation,
  runBackup,
  runTag,
  TERMINAL_EVENT_TYPES,
} from '@arkive/shared';
import { waitFor } from '@arkive/shared/test-support/harness';
import { startWorkerWorld, type WorkerWorld } from '@arkive/shared/test-support/worker-world';
import { makeRun } from '../test-support/fixtures';
import { runBackupProcessor } from '../run-backup/processor';
import { hostTurnOffProcessor } from './processor';

/** Turning a host off with real restic, Postgres and Redis: the worker world is the host `local`. */
let ww: WorkerWorld;

beforeAll(async () => {
  ww = await startWorkerWorld('backup', [runBackupProcessor, hostTurnOffProcessor], {
    BACKUP_PASSWORD: 'turn-off-test',
  });
});
afterAll(() => ww.close());

const hostId = () => ww.world.config.hostId;
const hostStatus = async () =>
  (await ww.world.prisma.host.findUniqueOrThrow({ where: { id: hostId() } })).status;
const snapshotsOf = (runid: string) =>
  listSnapshots(resticRepoFor(ww.world.config, 'local'), [runTag(runid)]);

async function removeRuns() {
  await ww.world.prisma.run.deleteMany({});
  await ww.world.prisma.host.updateMany({ data: { status: 'online' } });
}

test('backs up every run changed since its last backup (only those), then marks the host off', async () => {
  await heartbeatHost(ww.world.prisma, ww.world.config, true);
  const never = await makeRun(ww.world);
  const fresh = await makeRun(ww.world);
  const edited = await makeRun(ww.world);
  for (const r of [fresh, edited]) {
    const { op } = await ww.runToEnd(runBackup, { runid: r.runid, purpose: 'manual' }, 'bob');
    expect(op.status).toBe('succeeded');
  }
  // An edit after its backup (an mtime newer than the snapshot).
  await new Promise((r) => setTimeout(r, 20));
  await fs.writeFile(path.join(edited.runDir, 'climate', 'new.txt'), 'changed after the backup');
  // A run placed here whose directory is gone: nothing to back up.
  await ww.world.prisma.run.create({ data: { id: 'no-dir-run', hostId: hostId() } });

  const { op, events, channel } = await ww.runToEnd(hostTurnOff, { hostId: hostId() }, 'admin');
  expect(op.error).toBeNull();
  expect(op.status).toBe('succeeded');
  expect(channel).toBe(`host:${hostId()}`);
  expect(await hostStatus()).toBe('off');
  const result = op.result as { backedUp: number; bytes: number; runs: { runid: string; outcome: string }[] };
  expect(result.backedUp).toBe(2);
  expect(result.bytes).toBeGreaterThan(256 * 1024);
  expect(Object.fromEntries(result.runs.map((r) => [r.runid, r.outcome]))).toEqual({
    [never.runid]: 'backed-up',
    [edited.runid]: 'backed-up',
    [fresh.runid]: 'fresh',
    'no-dir-run': 'missing',
  });
  expect(await snapshotsOf(never.runid)).toHaveLength(1);
  expect(await snapshotsOf(edited.runid)).toHaveLength(2);
  expect(await snapshotsOf(fresh.runid)).toHaveLength(1);
  const turnOffBackups = await ww.world.prisma.backup.findMany({ where: { purpose: 'turn-off' } });
  expect(turnOffBackups.map((b) => b.runId).sort()).toEqual([never.runid, edited.runid].sort());
  // Children are run-backup operations of the turn-off; its events say runs done of total.
  const children = await ww.world.prisma.operation.findMany({ where: { parentId: op.id } });
  expect(children.map((c) => [c.kind, c.status])).toEqual([
    ['run-backup', 'succeeded'],
    ['run-backup', 'succeeded'],
  ]);
  expect(events.map((e) => e.message)).toContain(
    `4 runs on ${hostId()}: 2 to back up, 1 already backed up since their last edit, 1 without a directory here`,
  );
  expect(
    events.some((e) => e.type === 'PROGRESS' && e.progress?.unit === 'operations' && e.progress.total === 2),
  ).toBe(true);
  expect(events.at(-1)?.type).toBe('COMPLETE');
  await removeRuns();
});

test('a failed backup fails the turn-off naming the run and leaves the host draining; a retry finishes it', async () => {
  await heartbeatHost(ww.world.prisma, ww.world.config, true);
  const ok = await makeRun(ww.world);
  const bad = await makeRun(ww.world);
  // The run's repository is a region this host does not have: its backup fails at once.
  await ww.world.prisma.backupRepo.create({ data: { id: 'far', region: 'far', location: '/nowhere' } });
  await ww.world.prisma.run.update({ where: { id: bad.runid }, data: { backupRepoId: 'far' } });

  const { op, operationId } = await ww.runToEnd(hostTurnOff, { hostId: hostId() }, 'admin');
  expect(op.status).toBe('failed');
  expect(op.errorCode).toBe('BACKUPS_FAILED');
  expect(op.error).toContain(`1 of 2 backups failed: ${bad.runid} (Backup region far is not configured`);
  expect(op.error).toMatch(/stays draining/);
  expect(await hostStatus()).toBe('draining');
  expect(await snapshotsOf(ok.runid)).toHaveLength(1);

  // Fixed (the run goes back to this host's region): a retry backs up only the failed run.
  await ww.world.prisma.run.update({ where: { id: bad.runid }, data: { backupRepoId: null } });
  const deps = {
    prisma: ww.world.prisma,
    publisher: ww.publisher,
    queues: ww.queues,
    config: ww.world.config,
  };
  await retryOperation(deps, operationId);
  await waitFor(async () => {
    const row = await ww.world.prisma.operation.findUniqueOrThrow({ where: { id: operationId } });
    return row.status === 'succeeded' || row.status === 'failed' ? row : null;
  }, 45000);
  const done = await ww.world.prisma.operation.findUniqueOrThrow({ where: { id: operationId } });
  expect(done.error).toBeNull();
  expect(done.status).toBe('succeeded');
  expect(await hostStatus()).toBe('off');
  expect(await snapshotsOf(bad.runid)).toHaveLength(1);
  expect(await snapshotsOf(ok.runid)).toHaveLength(1);
  const evs = await replayEvents(ww.world.redis, ww.world.prefix, `host:${hostId()}`);
  expect(
    evs.filter((e) => e.operationId === operationId && TERMINAL_EVENT_TYPES.has(e.type)).map((e) => e.type),
  ).toEqual(['EXCEPTION', 'COMPLETE']);
  await removeRuns();
});

test('a run busy with other work is waited for, not failed', async () => {
  await heartbeatHost(ww.world.prisma, ww.world.config, true);
  const busy = await makeRun(ww.world);
  const holder = await ww.world.prisma.operation.create({
    data: {
      kind: 'run-restore',
      queue: 'restore',
      scopeType: 'run',
      scopeId: busy.runid,
      exclusiveKey: `run:${busy.runid}`,
      status: 'running',
    },
  });
  const pending = ww.runToEnd(hostTurnOff, { hostId: hostId() }, 'admin');
  await waitFor(async () => {
    const op = await ww.world.prisma.operation.findFirst({
      where: {
        kind: hostTurnOff.kind,
        status: 'queued',
        currentOperation: { contains: 'Waiting for other work' },
      },
    });
    return op?.currentOperation?.includes(busy.runid) ? op : null;
  }, 20000);
  expect(await hostStatus()).toBe('draining');
  await ww.world.prisma.operation.update({
    where: { id: holder.id },
    data: { status: 'succeeded', exclusiveKey: null },
  });
  const { op } = await pending;
  expect(op.status).toBe('succeeded');
  expect(await snapshotsOf(busy.runid)).toHaveLength(1);
  expect(await hostStatus()).toBe('off');
  await removeRuns();
});

test('a cancelled turn-off cancels its backups and leaves the host draining, never off', async () => {
  await heartbeatHost(ww.world.prisma, ww.world.config, true);
  const big = await makeRun(ww.world, { bigBytes: 64 * 1024 * 1024 });
  const { operationId } = await enqueueOperation(
    { prisma: ww.world.prisma, publisher: ww.publisher, queues: ww.queues, config: ww.world.config },
    hostTurnOff,
    { hostId: hostId() },
    { createdBy: 'admin' },
  );
  const child = await waitFor(
    () => ww.world.prisma.operation.findFirst({ where: { parentId: operationId, status: 'running' } }),
    30000,
  );
  expect(child.scopeId).toBe(big.runid);
  const deps = {
    prisma: ww.world.prisma,
    publisher: ww.publisher,
    queues: ww.queues,
    config: ww.world.config,
  };
  await requestCancel(deps, operationId);
  const done = await waitFor(async () => {
    const row = await ww.world.prisma.operation.findUniqueOrThrow({ where: { id: operationId } });
    return row.status === 'queued' || row.status === 'running' ? null : row;
  }, 45000);
  expect(done.status).toBe('cancelled');
  await waitFor(async () => {
    const c = await ww.world.prisma.operation.findUniqueOrThrow({ where: { id: child.id } });
    return c.status === 'cancelled' ? c : null;
  }, 30000);
  expect(await hostStatus()).toBe('draining');
  await removeRuns();
});
