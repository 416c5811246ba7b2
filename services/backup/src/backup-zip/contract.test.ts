import fs from 'node:fs/promises';
import path from 'node:path';
import {
  BACKUP_ZIPS_DIR,
  backupDir,
  backupZip,
  ensureRepoRow,
  ensureResticRepo,
  findSnapshot,
  resticRepoFor,
  runPath,
} from '@arkive/shared';
import type { TestWorld } from '@arkive/shared/test-support/harness';
import { describeServiceContract } from '@arkive/shared/test-support/service-contract';
import { makeRun, tree } from '../test-support/fixtures';
import { backupZipProcessor } from './processor';

const ls = (dir: string) => fs.readdir(dir).catch(() => [] as string[]);

describeServiceContract({
  name: 'backup (ZIP of a backup)',
  kind: backupZip,
  processors: () => [backupZipProcessor],
  workerModule: path.join(__dirname, '..', 'test-support', 'contract-processors.ts'),
  env: { BACKUP_PASSWORD: 'contract-suite-password' },
  async setup(world: TestWorld) {
    const { runid, runDir } = await makeRun(world, { bigBytes: 4 * 1024 * 1024 });
    await ensureRepoRow(world.prisma, world.config, 'local');
    const repo = resticRepoFor(world.config, 'local');
    await ensureResticRepo(repo);
    const s = await backupDir(repo, runDir, { runid, purpose: 'manual' });
    const snap = await findSnapshot(repo, s.snapshotId);
    const row = await world.prisma.backup.create({
      data: {
        runId: runid,
        repoId: 'local',
        snapshotId: snap.id,
        time: new Date(snap.time),
        files: s.totalFiles,
        bytes: BigInt(s.totalBytes),
        bytesAdded: BigInt(s.dataAdded),
      },
    });
    return { payload: { runid, backupId: row.id } };
  },
  async expectComplete({ world, result, operation }) {
    expect(result.zipId).toBe(operation.id);
    const st = await fs.stat(path.join(world.config.dataDir, BACKUP_ZIPS_DIR, `${operation.id}.zip`));
    expect(st.size).toBe(result.size);
  },
  // the run is never touched; a cancelled ZIP leaves no file, no row and no temp folder
  capture: async (world, payload) => ({
    tree: await tree(runPath(world.config.runsRoot, payload.runid)),
    zips: (await world.prisma.backupZip.findMany({ where: { runId: payload.runid } })).length,
    files: (await ls(path.join(world.config.dataDir, BACKUP_ZIPS_DIR))).filter(
      (n) => !n.startsWith('.') || n.includes('partial'),
    ).length,
    temps: (await ls(path.join(world.config.storageRoot, 'backup-zip-tmp'))).length,
  }),
});
