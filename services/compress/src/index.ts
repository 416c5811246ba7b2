import { createLogger, startService } from '@arkive/shared';
import { folderArchiveProcessor } from './folder-archive';
import { removeDeadSnapshotTemps } from './run-snapshot/leftovers';
import { runSnapshotProcessor } from './run-snapshot/processor';

/**
 * The `compress` service: run snapshots on queue `compress`; folder archives (copy → 7z → test)
 * on queue `compress-folder`, one at a time.
 */
void startService('compress', async (config) => {
  await removeDeadSnapshotTemps(config, createLogger('compress', config.logLevel));
  return [
    // Each job kind registers its processor here: { queue, processors: [registerProcessor(kind, fn)], concurrency }.
    { queue: 'compress-folder', processors: [folderArchiveProcessor()], concurrency: 1 },
    { queue: 'compress', processors: [runSnapshotProcessor], concurrency: 2 },
  ];
});
