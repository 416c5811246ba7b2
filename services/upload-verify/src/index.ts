import { startService } from '@arkive/shared';
import { folderUploadProcessor } from './folder-upload';

/** The `upload-verify` service: put archives to the bucket, verify, then clean up the source (one at a time). */
void startService('upload-verify', () => [{ queue: 'upload-verify', processors: [folderUploadProcessor()] }]);
