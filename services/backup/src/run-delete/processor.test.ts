import fs from 'node:fs/promises';
import path from 'node:path';
import {
  ARCHIVES_DIR,
  listSnapshots,
  recordArchive,
  resticRepoFor,
  runBackup,
  runDelete,
  runTag,
} from '@arkive/shared';
import { startWorkerWorld, type WorkerWorld } from '@arkive/shared/test-support/worker-world';
import { makeRun } from '../test-support/fixtures';
import { runBackupProcessor } from '../run-backup/processor';
import { deletingPath, runDeleteProcessor } from './processor';

let ww: WorkerWorld;

beforeAll(async () => {
  ww = await startWorkerWorld('backup', [runBackupProcessor, runDeleteProcessor], {
    BACKUP_PASSWORD: 'delete-test',
  });
});
afterAll(() => ww.close());

test('deleting a run removes its directory and archives, forgets its backups and its rows, and leaves other runs alone', async () => {
  const { runid, runDir } = await makeRun(ww.world);
  const other = await makeRun(ww.world);
  await fs.mkdir(path.join(runDir, ARCHIVES_DIR), { recursive: true });
  await fs.writeFile(path.join(runDir, ARCHIVES_DIR, '20250101T000000Z_a.zip'), 'zip bytes');
  await recordArchive(ww.world.prisma, {
    runId: runid,
    name: '20250101T000000Z_a.zip',
    label: null,
    size: 9,
    sha256: '0'.repeat(64),
    fileCount: 1,
    localPath: path.join(runDir, ARCHIVES_DIR, '20250101T000000Z_a.zip'),
    kind: 'snapshot',
    operationId: null,
    createdBy: 'bob',
  });
  for (const r of [runid, runid, other.runid]) {
    const { op } = await ww.runToEnd(runBackup, { runid: r, purpose: 'manual' }, 'bob');
    expect(op.error).toBeNull();
  }
  const repo = resticRepoFor(ww.world.config, 'local');
  expect(await listSnapshots(repo, [runTag(runid)])).toHaveLength(2);

  const zips = (await fs.readdir(path.join(runDir, ARCHIVES_DIR))).filter((n) => n.endsWith('.zip'));
  expect(zips).toContain('20250101T000000Z_a.zip');
  const { op } = await ww.runToEnd(runDelete, { runid }, 'bob');
  expect(op.error).toBeNull();
  expect(op.status).toBe('succeeded');
  expect(op.result).toMatchObject({ archives: zips.length, backupsForgotten: 2 });
  expect((op.result as { files: number }).files).toBeGreaterThan(3);
  await expect(fs.stat(runDir)).rejects.toMatchObject({ code: 'ENOENT' });
  await expect(fs.stat(deletingPath(ww.world.config.runsRoot, runid, op.id))).rejects.toMatchObject({
    code: 'ENOENT',
  });
  expect(await listSnapshots(repo, [runTag(runid)])).toHaveLength(0);
  expect(await ww.world.prisma.run.findUnique({ where: { id: runid } })).toBeNull();
  expect(await ww.world.prisma.archive.count({ where: { runId: runid } })).toBe(0);
  expect(await ww.world.prisma.backup.count({ where: { runId: runid } })).toBe(0);
  // the other run is untouched
  expect(await listSnapshots(repo, [runTag(other.runid)])).toHaveLength(1);
  expect((await fs.stat(other.runDir)).isDirectory()).toBe(true);
  expect(await ww.world.prisma.backup.count({ where: { runId: other.runid } })).toBe(1);
});

test('a locked run is not deleted (RUN_LOCKED), nothing is removed', async () => {
  const { runid, runDir } = await makeRun(ww.world);
  const { op: b } = await ww.runToEnd(runBackup, { runid, purpose: 'manual' }, 'bob');
  expect(b.error).toBeNull();
  await fs.writeFile(path.join(runDir, 'sim.nodb.lock'), '');
  const { op } = await ww.runToEnd(runDelete, { runid }, 'bob');
  expect(op.status).toBe('failed');
  expect(op.error).toMatch(/locked/);
  expect((await fs.stat(path.join(runDir, 'sim.nodb.lock'))).isFile()).toBe(true);
  expect(await listSnapshots(resticRepoFor(ww.world.config, 'local'), [runTag(runid)])).toHaveLength(1);
  expect(await ww.world.prisma.run.findUnique({ where: { id: runid } })).not.toBeNull();
});
