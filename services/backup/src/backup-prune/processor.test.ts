import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  backupPrune,
  enqueueOperation,
  listSnapshots,
  replayEvents,
  resticRepoFor,
  runBackup,
  runTag,
  TERMINAL_EVENT_TYPES,
} from '@arkive/shared';
import { waitFor } from '@arkive/shared/test-support/harness';
import { startWorkerWorld, type WorkerWorld } from '@arkive/shared/test-support/worker-world';
import { makeRun } from '../test-support/fixtures';
import { runBackupProcessor } from '../run-backup/processor';
import { backupPruneProcessor } from './processor';

let ww: WorkerWorld;

beforeAll(async () => {
  ww = await startWorkerWorld('backup', [runBackupProcessor, backupPruneProcessor], {
    BACKUP_PASSWORD: 'prune-test',
  });
});
afterAll(() => ww.close());

async function backups(runid: string, count: number) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await ww.runToEnd(runBackup, { runid, purpose: 'manual' }, 'bob');
    expect(r.op.error).toBeNull();
    ids.push((r.op.result as { snapshotId: string }).snapshotId);
  }
  return ids;
}

test('retention keeps exactly what the policy says (keep last 2 of 4) and removes the rows of forgotten backups', async () => {
  const { runid } = await makeRun(ww.world);
  const other = await makeRun(ww.world);
  const made = await backups(runid, 4);
  const [otherSnap] = await backups(other.runid, 1);
  const { op } = await ww.runToEnd(backupPrune, { runid, repoId: 'local', policy: { keepLast: 2 } }, 'bob');
  expect(op.error).toBeNull();
  expect(op.result).toEqual({ kept: 2, removed: 2 });
  const repo = resticRepoFor(ww.world.config, 'local');
  expect((await listSnapshots(repo, [runTag(runid)])).map((s) => s.id).sort()).toEqual(made.slice(2).sort());
  const rows = await ww.world.prisma.backup.findMany({ where: { runId: runid } });
  expect(rows.map((r) => r.snapshotId).sort()).toEqual(made.slice(2).sort());
  // another run's backups are not touched
  expect((await listSnapshots(repo, [runTag(other.runid)])).map((s) => s.id)).toEqual([otherSnap]);
});

test('a prune while a backup holds the repository waits its turn, then runs', async () => {
  const { runid } = await makeRun(ww.world);
  await backups(runid, 2);
  const repo = resticRepoFor(ww.world.config, 'local');
  // a real restic backup that holds its (shared) lock until we close its stdin
  const holder = spawn(
    'restic',
    ['backup', '--stdin', '--stdin-filename', 'held.txt', '--host', 'arkive', '--tag', 'run:holder'],
    {
      env: { ...process.env, RESTIC_REPOSITORY: repo.location, RESTIC_PASSWORD: repo.password },
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  );
  const exited = new Promise<number | null>((resolve) => holder.on('exit', resolve));
  await waitFor(
    async () => ((await fs.readdir(path.join(repo.location, 'locks'))).length > 0 ? true : null),
    20000,
  );
  const deps = {
    prisma: ww.world.prisma,
    publisher: ww.publisher,
    queues: ww.queues,
    config: ww.world.config,
  };
  const { operationId, channel } = await enqueueOperation(
    deps,
    backupPrune,
    { runid, repoId: 'local', policy: { keepLast: 1 } },
    { createdBy: 'bob' },
  );
  const waiting = await waitFor(async () => {
    const evs = (await replayEvents(ww.world.redis, ww.world.prefix, channel)).filter(
      (e) => e.operationId === operationId,
    );
    return evs.some((e) => e.message.includes('Waiting for the repository')) ? evs : null;
  }, 30000);
  expect(waiting.some((e) => TERMINAL_EVENT_TYPES.has(e.type))).toBe(false);
  holder.stdin.end('held content\n');
  expect(await exited).toBe(0);
  const op = await waitFor(async () => {
    const o = await ww.world.prisma.operation.findUniqueOrThrow({ where: { id: operationId } });
    return ['succeeded', 'failed'].includes(o.status) ? o : null;
  }, 45000);
  expect(op.error).toBeNull();
  expect(op.result).toEqual({ kept: 1, removed: 1 });
  // the held backup completed too
  expect(await listSnapshots(repo, ['run:holder'])).toHaveLength(1);
});
