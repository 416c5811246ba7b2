import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import execa from 'execa';
import { BACKUP_ZIPS_DIR, backupZip, MANIFEST_NAME, runBackup, verifyArchive } from '@arkive/shared';
import { startWorkerWorld, type WorkerWorld } from '@arkive/shared/test-support/worker-world';
import { makeRun, tree } from '../test-support/fixtures';
import { runBackupProcessor } from '../run-backup/processor';
import { backupZipProcessor } from './processor';

let ww: WorkerWorld;

beforeAll(async () => {
  ww = await startWorkerWorld('backup', [runBackupProcessor, backupZipProcessor], {
    BACKUP_PASSWORD: 'zip-test',
    BACKUP_ZIP_TTL_HOURS: '2',
  });
});
afterAll(() => ww.close());

/** tree() without mtimes (unzip sets them to the second): type, mode and content hash or link target. */
function content(t: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(t).map(([k, v]) => {
      const p = v.split(':');
      return [k, p[0] === 'file' ? `file:${p[1]}:${p[3]}` : v];
    }),
  );
}

async function unzipTo(file: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bzip-'));
  await execa('unzip', ['-q', file, '-d', dir]);
  await fs.rm(path.join(dir, MANIFEST_NAME), { force: true });
  return dir;
}

async function backupOf(runid: string) {
  const b = await ww.runToEnd(runBackup, { runid, purpose: 'manual' }, 'bob');
  expect(b.op.error).toBeNull();
  return ww.world.prisma.backup.findFirstOrThrow({ where: { runId: runid } });
}

test('a ZIP of a whole backup holds exactly the run (byte-identical, modes, links, empty folders) with a manifest', async () => {
  const { runid, runDir } = await makeRun(ww.world);
  const backup = await backupOf(runid);
  const before = await tree(runDir);
  const { op } = await ww.runToEnd(backupZip, { runid, backupId: backup.id }, 'bob');
  expect(op.error).toBeNull();
  expect(op.status).toBe('succeeded');
  const result = op.result as {
    zipId: string;
    size: number;
    sha256: string;
    downloadUrl: string;
    expiresAt: string;
  };
  expect(result.zipId).toBe(op.id);
  expect(result.downloadUrl).toBe(`/api/runs/${runid}/backups/${backup.id}/zips/${op.id}`);
  const file = path.join(ww.world.config.dataDir, BACKUP_ZIPS_DIR, `${op.id}.zip`);
  expect((await fs.stat(file)).size).toBe(result.size);
  const v = await verifyArchive(file);
  expect(v.ok).toBe(true);
  const row = await ww.world.prisma.backupZip.findUniqueOrThrow({ where: { id: op.id } });
  expect(row.sha256).toBe(result.sha256);
  const ttl = row.expiresAt.getTime() - row.createdAt.getTime();
  expect(Math.abs(ttl - 2 * 3600_000)).toBeLessThan(60_000);
  const out = await unzipTo(file);
  expect(content(await tree(out))).toEqual(content(before));
  expect(Object.keys(before)).toContain('empty');
  expect(before['latest.dat']).toBe('link:wepp/output/H0.dat');
  // the run was not touched, and no temp folder is left
  expect(await tree(runDir)).toEqual(before);
  expect(await fs.readdir(path.join(ww.world.config.storageRoot, 'backup-zip-tmp'))).toEqual([]);
});

test('a ZIP of chosen paths holds only them, at their place in the run; a path not in the backup fails clearly', async () => {
  const { runid, runDir } = await makeRun(ww.world);
  const backup = await backupOf(runid);
  const { op } = await ww.runToEnd(
    backupZip,
    { runid, backupId: backup.id, paths: ['climate', 'run.sh'] },
    'bob',
  );
  expect(op.error).toBeNull();
  const out = await unzipTo(path.join(ww.world.config.dataDir, BACKUP_ZIPS_DIR, `${op.id}.zip`));
  const full = content(await tree(runDir));
  const want = Object.fromEntries(
    Object.entries(full).filter(([k]) => k === 'climate' || k.startsWith('climate/') || k === 'run.sh'),
  );
  expect(content(await tree(out))).toEqual(want);

  const bad = await ww.runToEnd(backupZip, { runid, backupId: backup.id, paths: ['nope'] }, 'bob');
  expect(bad.op.status).toBe('failed');
  expect(bad.op.error).toMatch(/Not in backup .*: nope/);
});
