import { startService } from '@arkive/shared';

/** The `restore` service: restores runs from local archives or buckets (queue `restore`). */
void startService('restore', () => [
  // { queue: 'restore', processors: [...], concurrency: 2 },
]);
