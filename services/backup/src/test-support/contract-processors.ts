import { runBackupProcessor } from '../run-backup/processor';
import { runBackupRestoreProcessor } from '../run-backup-restore/processor';
import { backupPruneProcessor } from '../backup-prune/processor';
import { runDeleteProcessor } from '../run-delete/processor';
import { runCopyProcessor } from '../run-copy/processor';
import { runCopyApplyProcessor } from '../run-copy/apply';

/** The backup kinds' processors, for the job-contract suite's worker processes. */
export const contractProcessors = () => [
  runBackupProcessor,
  runBackupRestoreProcessor,
  backupPruneProcessor,
  runDeleteProcessor,
  runCopyProcessor,
  runCopyApplyProcessor,
];
