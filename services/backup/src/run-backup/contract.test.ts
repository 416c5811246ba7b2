import path from 'node:path';
import { runBackup, runPath } from '@arkive/shared';
import { describeServiceContract } from '@arkive/shared/test-support/service-contract';
import { makeRun, tree } from '../test-support/fixtures';
import { runBackupProcessor } from './processor';

describeServiceContract({
  name: 'backup',
  kind: runBackup,
  processors: () => [runBackupProcessor],
  workerModule: path.join(__dirname, '..', 'test-support', 'contract-processors.ts'),
  env: { BACKUP_PASSWORD: 'contract-suite-password' },
  async setup(world) {
    const { runid } = await makeRun(world);
    return { payload: { runid, purpose: 'manual' as const } };
  },
  async expectComplete({ world, payload, result }) {
    const row = await world.prisma.backup.findUniqueOrThrow({ where: { id: result.backupId } });
    expect(row.runId).toBe(payload.runid);
    expect(row.files).toBe(11);
  },
  capture: async (world, payload) => ({
    tree: await tree(runPath(world.config.runsRoot, payload.runid)),
    backups: await world.prisma.backup.count({ where: { runId: payload.runid } }),
  }),
});
