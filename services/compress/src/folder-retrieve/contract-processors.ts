import { folderRetrieveProcessor } from './processor';

/** The folder-retrieve kind's processors, for the job-contract suite's worker processes. */
export const contractProcessors = () => [folderRetrieveProcessor()];
