import path from 'node:path';
import {
  backupDir,
  backupPrune,
  ensureRepoRow,
  ensureResticRepo,
  listSnapshots,
  resticRepoFor,
  runPath,
  runTag,
} from '@arkive/shared';
import { describeServiceContract } from '@arkive/shared/test-support/service-contract';
import { makeRun, tree } from '../test-support/fixtures';
import { backupPruneProcessor } from './processor';

describeServiceContract({
  name: 'backup (retention)',
  kind: backupPrune,
  processors: () => [backupPruneProcessor],
  workerModule: path.join(__dirname, '..', 'test-support', 'contract-processors.ts'),
  env: { BACKUP_PASSWORD: 'contract-suite-password' },
  async setup(world) {
    const { runid, runDir } = await makeRun(world);
    await ensureRepoRow(world.prisma, world.config, 'local');
    const repo = resticRepoFor(world.config, 'local');
    await ensureResticRepo(repo);
    for (let i = 0; i < 2; i++) await backupDir(repo, runDir, { runid, purpose: 'manual' });
    return { payload: { runid, repoId: 'local', policy: { keepLast: 1 } } };
  },
  async expectComplete({ world, payload, result }) {
    expect(result).toMatchObject({ kept: 1 });
    expect(await listSnapshots(resticRepoFor(world.config, 'local'), [runTag(payload.runid)])).toHaveLength(
      1,
    );
  },
  capture: async (world, payload) => ({
    tree: await tree(runPath(world.config.runsRoot, payload.runid)),
    snapshots: (await listSnapshots(resticRepoFor(world.config, 'local'), [runTag(payload.runid)])).length,
  }),
});
