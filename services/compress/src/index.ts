import { startService } from '@arkive/shared';
import { folderArchiveProcessor } from './folder-archive';
import { runSnapshotProcessor } from './run-snapshot/processor';

/**
 * The `compress` service: run snapshots on queue `compress`; folder archives (copy → 7z → test)
 * on queue `compress-folder`, one at a time.
 */
void startService('compress', () => [
  // Each job kind registers its processor here: { queue, processors: [registerProcessor(kind, fn)], concurrency }.
  { queue: 'compress-folder', processors: [folderArchiveProcessor()], concurrency: 1 },
  { queue: 'compress', processors: [runSnapshotProcessor], concurrency: 2 },
]);
