import { createLogger, startService } from '@arkive/shared';
import { folderArchiveProcessor } from './folder-archive';
import { folderRetrieveProcessor } from './folder-retrieve/processor';
import { removeDeadSnapshotTemps } from './run-snapshot/leftovers';
import { runSnapshotProcessor } from './run-snapshot/processor';

/**
 * The `compress` service: run snapshots on queue `compress`; folder archives (copy → 7z → test)
 * and retrievals from cold storage on queue `compress-folder`, one at a time.
 */
void startService('compress', async (config) => {
  await removeDeadSnapshotTemps(config, createLogger('compress', config.logLevel));
  // One entry per queue: the processors of the kind segments that run on it (concurrency: the
  // stages' declared concurrency, shared/src/contracts/kinds.ts).
  return [
    { queue: 'compress-folder', processors: [folderArchiveProcessor(), folderRetrieveProcessor()] },
    { queue: 'compress', processors: [runSnapshotProcessor] },
  ];
});
