import { createLogger, recoverRestoreLeftovers, startService } from '@arkive/shared';
import { runRestoreProcessor } from './run-restore/processor';

/** The `restore` service: restores runs from local archives or buckets (queue `restore`). */
void startService('restore', async (config) => {
  // Before taking jobs: finish or roll back swaps interrupted when an earlier process of this host
  // died, and remove the staging folders of its dead restores (never a live or foreign one).
  const logger = createLogger('restore', config.logLevel);
  for (const line of await recoverRestoreLeftovers(config.runsRoot, config.hostId)) logger.info(line);
  return [{ queue: 'restore', processors: [runRestoreProcessor], concurrency: 2 }];
});
