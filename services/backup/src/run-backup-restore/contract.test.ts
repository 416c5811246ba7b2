import fs from 'node:fs/promises';
import path from 'node:path';
import {
  ARCHIVES_DIR,
  backupDir,
  ensureRepoRow,
  ensureResticRepo,
  findSnapshot,
  resticRepoFor,
  runBackupRestore,
  runPath,
} from '@arkive/shared';
import { describeServiceContract } from '@arkive/shared/test-support/service-contract';
import { makeRun, tree } from '../test-support/fixtures';
import { runBackupRestoreProcessor } from './processor';

describeServiceContract({
  name: 'backup (restore from a backup)',
  kind: runBackupRestore,
  processors: () => [runBackupRestoreProcessor],
  workerModule: path.join(__dirname, '..', 'test-support', 'contract-processors.ts'),
  env: { BACKUP_PASSWORD: 'contract-suite-password' },
  async setup(world) {
    const { runid, runDir } = await makeRun(world);
    const repoRow = await ensureRepoRow(world.prisma, world.config, 'local');
    const repo = resticRepoFor(world.config, 'local');
    await ensureResticRepo(repo);
    const s = await backupDir(repo, runDir, { runid, purpose: 'manual' });
    const snap = await findSnapshot(repo, s.snapshotId);
    const b = await world.prisma.backup.create({
      data: {
        runId: runid,
        repoId: repoRow.id,
        snapshotId: snap.id,
        time: new Date(snap.time),
        files: s.totalFiles,
        bytes: BigInt(s.totalBytes),
        bytesAdded: BigInt(s.dataAdded),
      },
    });
    // changed after the backup, so a restore has work to do
    await fs.writeFile(path.join(runDir, 'wepp', 'output', 'H0.dat'), 'changed after the backup\n');
    await fs.writeFile(path.join(runDir, 'new-file.txt'), 'created after the backup\n');
    return { payload: { runid, backupId: b.id, preRestoreSnapshot: true, intoMissing: false } };
  },
  async expectComplete({ world, payload, result }) {
    const runDir = runPath(world.config.runsRoot, payload.runid);
    expect(result.preRestoreArchive).toMatch(/^pre-restore-.*\.zip$/);
    expect(await fs.readFile(path.join(runDir, 'wepp', 'output', 'H0.dat'), 'utf8')).toBe(
      'hillslope 0\n'.repeat(400),
    );
    await expect(fs.stat(path.join(runDir, 'new-file.txt'))).rejects.toThrow();
  },
  capture: async (world, payload) => {
    const runDir = runPath(world.config.runsRoot, payload.runid);
    return { tree: await tree(runDir), archives: (await fs.readdir(path.join(runDir, ARCHIVES_DIR))).sort() };
  },
});
