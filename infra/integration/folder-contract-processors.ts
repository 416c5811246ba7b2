import { folderArchiveProcessor } from '../../services/compress/src/folder-archive';
import { folderUploadProcessor } from '../../services/upload-verify/src/folder-upload';

/** Both queue segments of the folder-archive kind, for the job-contract suite's worker processes. */
export const contractProcessors = () => [folderArchiveProcessor(), folderUploadProcessor()];
