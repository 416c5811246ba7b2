import fs from 'node:fs/promises';
import path from 'node:path';
import {
  ARCHIVES_DIR,
  listTree,
  planRestoreFromTree,
  resticRepoFor,
  runBackup,
  runBackupRestore,
  TERMINAL_EVENT_TYPES,
} from '@arkive/shared';
import type { TestWorld } from '@arkive/shared/test-support/harness';
import { startWorkerWorld, type WorkerWorld } from '@arkive/shared/test-support/worker-world';
import { makeRun, tree } from '../test-support/fixtures';
import { runBackupRestoreProcessor } from '../run-backup-restore/processor';
import { runBackupProcessor } from './processor';

let ww: WorkerWorld;
let world: TestWorld;

beforeAll(async () => {
  ww = await startWorkerWorld('backup', [runBackupProcessor, runBackupRestoreProcessor]);
  ({ world } = ww);
});
afterAll(() => ww.close());

async function backupOf(runid: string) {
  const r = await ww.runToEnd(runBackup, { runid, purpose: 'manual' as const }, 'bob');
  expect(r.op.error).toBeNull();
  expect(r.op.status).toBe('succeeded');
  return r;
}

describe('run-backup processor (restic, local repository)', () => {
  test('a backup records the snapshot and lastBackupAt, reports bytes on <runid>:archive and ends BACKUP_COMPLETE; the password is generated once into DATA_DIR/secrets', async () => {
    const { runid } = await makeRun(world, { bigBytes: 2 * 1024 * 1024 });
    const { op, events, channel } = await backupOf(runid);
    expect(channel).toBe(`${runid}:archive`);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('ENQUEUED');
    expect(types.filter((t) => TERMINAL_EVENT_TYPES.has(t))).toEqual(['BACKUP_COMPLETE']);
    const result = op.result as { backupId: string; snapshotId: string; files: number; bytes: number };
    expect(result.files).toBe(11);
    const row = await world.prisma.backup.findUniqueOrThrow({ where: { id: result.backupId } });
    expect(row).toMatchObject({
      runId: runid,
      repoId: 'local',
      snapshotId: result.snapshotId,
      files: 11,
      purpose: 'manual',
    });
    expect(Number(row.bytes)).toBe(result.bytes);
    const run = await world.prisma.run.findUniqueOrThrow({ where: { id: runid } });
    expect(run.backupRepoId).toBe('local');
    expect(run.lastBackupAt?.getTime()).toBe(row.time.getTime());
    const key = await fs.readFile(path.join(world.config.dataDir, 'secrets', 'backup.key'), 'utf8');
    expect(key.trim().length).toBeGreaterThan(30);
    expect((await fs.stat(path.join(world.config.dataDir, 'secrets', 'backup.key'))).mode & 0o777).toBe(
      0o600,
    );
    // the repository is encrypted with it: nothing of the run's names is readable in the repository
    const repoDir = path.join(world.config.dataDir, 'buckets', 'restic', 'local');
    const { stdout } = await import('execa').then((m) =>
      m.default('grep', ['-r', '-l', 'hillslope', repoDir], { reject: false }),
    );
    expect(stdout).toBe('');
    // archives/ is not in the backup; tags name the run and purpose
    const entries = await listTree(resticRepoFor(world.config, 'local'), result.snapshotId);
    expect(entries.some((e) => e.path.startsWith(ARCHIVES_DIR))).toBe(false);
    expect(entries.map((e) => e.path)).toEqual(
      expect.arrayContaining(['empty', 'latest.dat', 'wepp/output/H7.dat']),
    );
  });

  test('a second backup of an unchanged run adds less than 1 % of its bytes', async () => {
    const { runid } = await makeRun(world, { bigBytes: 4 * 1024 * 1024 });
    const first = (await backupOf(runid)).op.result as { bytes: number; bytesAdded: number };
    expect(first.bytesAdded).toBeGreaterThan(first.bytes * 0.5);
    const second = (await backupOf(runid)).op.result as { bytes: number; bytesAdded: number };
    expect(second.bytes).toBe(first.bytes);
    expect(second.bytesAdded).toBeLessThan(first.bytes * 0.01);
    expect(await world.prisma.backup.count({ where: { runId: runid } })).toBe(2);
  });
});

describe('run-backup-restore processor', () => {
  test('whole restore: byte-identical (contents, modes, mtimes, symlinks, empty dirs), archives/ kept, pre-restore archive made', async () => {
    const { runid, runDir } = await makeRun(world);
    const backedUp = await tree(runDir);
    const { op: b } = await backupOf(runid);
    const backupId = (b.result as { backupId: string }).backupId;
    await fs.writeFile(path.join(runDir, 'wepp', 'output', 'H0.dat'), 'changed\n');
    await fs.rm(path.join(runDir, 'empty'), { recursive: true });
    await fs.writeFile(path.join(runDir, 'new.txt'), 'new\n');
    const { op, events } = await ww.runToEnd(
      runBackupRestore,
      { runid, backupId, preRestoreSnapshot: true, intoMissing: false },
      'bob',
    );
    expect(op.error).toBeNull();
    expect(op.status).toBe('succeeded');
    expect(events.filter((e) => TERMINAL_EVENT_TYPES.has(e.type)).map((e) => e.type)).toEqual([
      'RESTORE_COMPLETE',
    ]);
    expect(await tree(runDir)).toEqual(backedUp);
    const pre = (op.result as { preRestoreArchive: string }).preRestoreArchive;
    expect(pre).toMatch(/^pre-restore-.*\.zip$/);
    expect((await fs.readdir(path.join(runDir, ARCHIVES_DIR))).sort()).toEqual(
      ['not-backed-up.zip', pre].sort(),
    );
    const run = await world.prisma.run.findUniqueOrThrow({ where: { id: runid } });
    expect(run.lastEditedAt!.getTime()).toBeGreaterThan(run.lastBackupAt!.getTime());
  });

  test('restore of a missing run directory (intoMissing) puts the whole run back byte-identical', async () => {
    const { runid, runDir } = await makeRun(world);
    await fs.rm(path.join(runDir, ARCHIVES_DIR), { recursive: true });
    const backedUp = await tree(runDir);
    const { op: b } = await backupOf(runid);
    await fs.rm(runDir, { recursive: true });
    const { op } = await ww.runToEnd(
      runBackupRestore,
      {
        runid,
        backupId: (b.result as { backupId: string }).backupId,
        preRestoreSnapshot: true,
        intoMissing: true,
      },
      'bob',
    );
    expect(op.error).toBeNull();
    expect(await tree(runDir)).toEqual(backedUp);
    expect((await fs.readdir(path.dirname(runDir))).filter((n) => n.startsWith(`.${runid}.`))).toEqual([]);
  });

  test('partial restore of one folder replaces only that folder; the dry-run plan equals what the restore then does', async () => {
    const { runid, runDir } = await makeRun(world);
    const { op: b } = await backupOf(runid);
    const backupId = (b.result as { backupId: string }).backupId;
    const snapshotId = (b.result as { snapshotId: string }).snapshotId;
    // change the folder (one file changed, one removed, one added) and something outside it
    await fs.writeFile(path.join(runDir, 'wepp', 'output', 'H1.dat'), 'changed\n');
    await fs.rm(path.join(runDir, 'wepp', 'output', 'H2.dat'));
    await fs.writeFile(path.join(runDir, 'wepp', 'output', 'extra.dat'), 'extra\n');
    await fs.writeFile(path.join(runDir, 'outside.txt'), 'kept\n');
    const before = await tree(runDir);
    const plan = await planRestoreFromTree(
      runDir,
      await listTree(resticRepoFor(world.config, 'local'), snapshotId),
      ['wepp'],
    );
    expect(plan).toMatchObject({
      added: ['wepp/output/H2.dat'],
      replaced: ['wepp/output/H1.dat'],
      removed: ['wepp/output/extra.dat'],
      files: 2,
    });

    const { op } = await ww.runToEnd(
      runBackupRestore,
      { runid, backupId, paths: ['wepp'], preRestoreSnapshot: false, intoMissing: false },
      'bob',
    );
    expect(op.error).toBeNull();
    const after = await tree(runDir);
    const added = Object.keys(after)
      .filter((k) => !(k in before))
      .sort();
    const removed = Object.keys(before)
      .filter((k) => !(k in after))
      .sort();
    const replaced = Object.keys(after)
      .filter((k) => k in before && before[k] !== after[k] && !after[k].startsWith('dir:'))
      .sort();
    expect({ added, removed, replaced }).toEqual({
      added: plan.added,
      removed: plan.removed,
      replaced: plan.replaced,
    });
    expect(after['outside.txt']).toBe(before['outside.txt']);
  });

  test('a corrupted pack fails the restore with the run untouched', async () => {
    const { runid, runDir } = await makeRun(world, { bigBytes: 512 * 1024 });
    const { op: b } = await backupOf(runid);
    await fs.writeFile(path.join(runDir, 'noise.bin'), 'local change\n');
    const before = await tree(runDir);
    // damage every data pack of the repository (one byte in the middle of each)
    const dataDir = path.join(world.config.dataDir, 'buckets', 'restic', 'local', 'data');
    for (const sub of await fs.readdir(dataDir))
      for (const f of await fs.readdir(path.join(dataDir, sub))) {
        const p = path.join(dataDir, sub, f);
        await fs.chmod(p, 0o600);
        const buf = await fs.readFile(p);
        buf[Math.floor(buf.length / 2)] ^= 0xff;
        await fs.writeFile(p, buf);
      }
    const { op } = await ww.runToEnd(
      runBackupRestore,
      {
        runid,
        backupId: (b.result as { backupId: string }).backupId,
        preRestoreSnapshot: true,
        intoMissing: false,
      },
      'bob',
    );
    expect(op.status).toBe('failed');
    expect(await tree(runDir)).toEqual(before);
    expect(await fs.readdir(path.join(runDir, ARCHIVES_DIR))).toEqual(['not-backed-up.zip']);
    expect((await fs.readdir(path.dirname(runDir))).filter((n) => n.startsWith(`.${runid}.`))).toEqual([]);
  });
});
