import { createLogger, recoverRestoreLeftovers, startService, sweepDeadSnapshotTemps } from '@arkive/shared';
import { migrationProcessors } from './processors';

/** The `migration` service: trait scans, dry runs and archive-guarded migrations (queue `migration`). */
void startService('migration', async (config) => {
  const processors = migrationProcessors(); // throws on a bad trait registry: the service does not start
  const logger = createLogger('migration', config.logLevel);
  // Rollbacks are restores: finish or undo swaps a dead process of this host left, and remove its temps.
  for (const line of await recoverRestoreLeftovers(config.runsRoot, config.hostId)) logger.info(line);
  for (const r of await sweepDeadSnapshotTemps(config.runsRoot, config.hostId))
    logger.info({ file: r.path, bytes: r.size }, `removed ${r.path}, left by a process that died`);
  return [{ queue: 'migration', processors }];
});
