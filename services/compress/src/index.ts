import { startService } from '@arkive/shared';
import { folderArchiveProcessor } from './folder-archive';
import { runSnapshotProcessor } from './run-snapshot/processor';

/**
 * The `compress` service: run snapshots on queue `compress`; folder archives (copy → 7z → test)
 * on queue `compress-folder`, one at a time.
 */
void startService('compress', () => [
  // One entry per queue: the processors of the kind segments that run on it (concurrency: the
  // stages' declared concurrency, shared/src/contracts/kinds.ts).
  { queue: 'compress-folder', processors: [folderArchiveProcessor()] },
  { queue: 'compress', processors: [runSnapshotProcessor] },
]);
