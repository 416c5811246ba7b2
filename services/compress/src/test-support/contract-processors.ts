import { runSnapshotProcessor } from '../run-snapshot/processor';

/** The run-snapshot kind's processors, for the job-contract suite's worker processes. */
export const contractProcessors = () => [runSnapshotProcessor];
