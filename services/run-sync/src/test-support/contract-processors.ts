import { runSyncProcessor } from '../run-sync/processor';

/** The run-sync kind's processors, for the job-contract suite's worker processes. */
export const contractProcessors = () => [runSyncProcessor];
