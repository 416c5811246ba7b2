import { galleryArchiveProcessor } from '../gallery-archive/processor';

/** The gallery-archive kind's processors, for the job-contract suite's worker processes. */
export const contractProcessors = () => [galleryArchiveProcessor];
