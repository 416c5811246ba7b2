import fs from 'node:fs/promises';
import path from 'node:path';
import { runBackup, runBackupRestore } from '@arkive/shared';
import { startS3Server, type TestS3Server } from '@arkive/shared/test-support/s3';
import { startWorkerWorld, type WorkerWorld } from '@arkive/shared/test-support/worker-world';
import { makeRun, tree } from '../test-support/fixtures';
import { runBackupRestoreProcessor } from '../run-backup-restore/processor';
import { runBackupProcessor } from './processor';

/** restic against a real S3 server (s3rver) over HTTPS with a certificate made at test time (--cacert). */
let s3: TestS3Server;
let ww: WorkerWorld;

beforeAll(async () => {
  s3 = await startS3Server({ https: true });
  ww = await startWorkerWorld('backup', [runBackupProcessor, runBackupRestoreProcessor], {
    ...s3.env,
    BACKUP_REGIONS: `eu=s3:${s3.endpoint}/${s3.bucket}/restic`,
    BACKUP_CACERT: s3.caCert!,
    BACKUP_PASSWORD: 'correct horse battery staple',
  });
});
afterAll(async () => {
  await ww?.close();
  await s3?.close();
});

test('backup to S3 over HTTPS → delete the run directory → restore byte-identical; an unchanged re-backup adds < 1 % (restic summary and bytes the server received)', async () => {
  const { runid, runDir } = await makeRun(ww.world, { bigBytes: 4 * 1024 * 1024 });
  await fs.rm(path.join(runDir, 'archives'), { recursive: true });
  const backedUp = await tree(runDir);
  const first = await ww.runToEnd(runBackup, { runid, purpose: 'manual' }, 'bob');
  expect(first.op.error).toBeNull();
  const r1 = first.op.result as { backupId: string; bytes: number; bytesAdded: number };
  expect(r1.bytesAdded).toBeGreaterThan(r1.bytes * 0.5);
  expect((await ww.world.prisma.run.findUniqueOrThrow({ where: { id: runid } })).backupRepoId).toBe('eu');
  // the repository lives in the bucket, under the prefix
  expect((await fs.readdir(path.join(s3.directory, s3.bucket))).sort()).toContain('restic');

  const receivedBefore = s3.bytesReceived();
  expect(receivedBefore).toBeGreaterThan(r1.bytes * 0.5);
  const second = await ww.runToEnd(runBackup, { runid, purpose: 'manual' }, 'bob');
  expect(second.op.error).toBeNull();
  const r2 = second.op.result as { bytes: number; bytesAdded: number };
  expect(r2.bytesAdded).toBeLessThan(r1.bytes * 0.01);
  expect(s3.bytesReceived() - receivedBefore).toBeLessThan(r1.bytes * 0.01);

  await fs.rm(runDir, { recursive: true });
  const restored = await ww.runToEnd(
    runBackupRestore,
    { runid, backupId: r1.backupId, preRestoreSnapshot: false, intoMissing: true },
    'bob',
  );
  expect(restored.op.error).toBeNull();
  expect(await tree(runDir)).toEqual(backedUp);
});
