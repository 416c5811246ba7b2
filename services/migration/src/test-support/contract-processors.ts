import { migrationProcessors } from '../processors';

/** The migration service's processors, for the job-contract suite's worker processes. */
export const contractProcessors = () => migrationProcessors();
