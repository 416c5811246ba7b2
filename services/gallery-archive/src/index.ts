import { startService } from '@arkive/shared';
import { galleryArchiveProcessor } from './gallery-archive/processor';

/** The `gallery-archive` service: streams gallery ZIPs bucket → bucket and e-mails the clients. */
void startService('gallery-archive', async () => [
  { queue: 'gallery-archive', processors: [galleryArchiveProcessor] },
]);
