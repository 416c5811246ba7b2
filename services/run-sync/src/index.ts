import { createLogger, createPrisma, recoverRestoreLeftovers, startService } from '@arkive/shared';
import { runSyncProcessor } from './run-sync/processor';
import { sweepRunSyncLeftovers } from './run-sync/sweep';

/** The `run-sync` service: imports runs from other Arkive hosts (queue `run-sync`). */
void startService('run-sync', async (config) => {
  // Swaps of overwriting imports interrupted by a dead process of this host are finished or rolled
  // back before new jobs (the same recovery as the restore service's, limited to this host).
  const logger = createLogger('run-sync', config.logLevel);
  for (const line of await recoverRestoreLeftovers(config.runsRoot, config.hostId)) logger.info(line);
  // Staging folders and downloads of imports whose worker died and that will not resume here.
  const prisma = createPrisma(config.databaseUrl, 1);
  try {
    for (const p of await sweepRunSyncLeftovers(config, prisma))
      logger.info({ path: p }, `removed ${p}, left by an import`);
  } finally {
    await prisma.$disconnect();
  }
  return [{ queue: 'run-sync', processors: [runSyncProcessor] }];
});
