import path from 'node:path';
import { backupDir, backupScrub, ensureRepoRow, ensureResticRepo, resticRepoFor } from '@arkive/shared';
import { describeServiceContract } from '@arkive/shared/test-support/service-contract';
import { makeRun } from '../test-support/fixtures';
import { backupScrubProcessor } from './processor';

describeServiceContract({
  name: 'backup (scrub)',
  kind: backupScrub,
  processors: () => [backupScrubProcessor],
  workerModule: path.join(__dirname, '..', 'test-support', 'contract-processors.ts'),
  env: { BACKUP_PASSWORD: 'contract-suite-password', BACKUP_SCRUB_PERIOD_DAYS: '1' },
  async setup(world) {
    const { runid, runDir } = await makeRun(world, { bigBytes: 4 * 1024 * 1024 });
    await ensureRepoRow(world.prisma, world.config, 'local');
    const repo = resticRepoFor(world.config, 'local');
    await ensureResticRepo(repo);
    await backupDir(repo, runDir, { runid, purpose: 'manual' });
    return { payload: { repoId: 'local' } };
  },
  async expectComplete({ world, result }) {
    expect(result).toMatchObject({ ok: true, subset: '1/1' });
    const row = await world.prisma.backupRepo.findUniqueOrThrow({ where: { id: 'local' } });
    expect(row.lastScrubOk).toBe(true);
  },
  // a cancelled scrub records nothing on the repository row
  capture: async (world, payload) => {
    const row = await world.prisma.backupRepo.findUniqueOrThrow({ where: { id: payload.repoId } });
    return { next: row.scrubNextSubset, ok: row.lastScrubOk, subset: row.lastScrubSubset };
  },
});
