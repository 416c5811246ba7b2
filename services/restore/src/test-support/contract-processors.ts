import { runRestoreProcessor } from '../run-restore/processor';

/** The run-restore kind's processors, for the job-contract suite's worker processes. */
export const contractProcessors = () => [runRestoreProcessor];
