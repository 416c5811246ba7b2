import { createLogger, recoverRestoreLeftovers, startService, sweepDeadSnapshotTemps } from '@arkive/shared';
import { runRestoreProcessor } from './run-restore/processor';

/** The `restore` service: restores runs from local archives or buckets (queue `restore`). */
void startService('restore', async (config) => {
  // Before taking jobs: finish or roll back swaps interrupted when an earlier process of this host
  // died, and remove the staging folders and unfinished pre-restore archives of its dead restores
  // (never a live process's or another host's).
  const logger = createLogger('restore', config.logLevel);
  for (const line of await recoverRestoreLeftovers(config.runsRoot, config.hostId)) logger.info(line);
  for (const r of await sweepDeadSnapshotTemps(config.runsRoot, config.hostId))
    logger.info({ file: r.path, bytes: r.size }, `removed ${r.path}, left by a restore whose process died`);
  return [{ queue: 'restore', processors: [runRestoreProcessor] }];
});
