import { startService } from '@arkive/shared';

/** The `upload-verify` service: put archives to the bucket, verify, then clean up the source (one at a time). */
void startService('upload-verify', () => [
  // { queue: 'upload-verify', processors: [...], concurrency: 1 },
]);
