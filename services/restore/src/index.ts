import { startService } from '@arkive/shared';
import { runRestoreProcessor } from './run-restore/processor';

/** The `restore` service: restores runs from local archives or buckets (queue `restore`). */
void startService('restore', () => [{ queue: 'restore', processors: [runRestoreProcessor] }]);
