import { runBackupProcessor } from '../run-backup/processor';
import { runBackupRestoreProcessor } from '../run-backup-restore/processor';
import { backupPruneProcessor } from '../backup-prune/processor';
import { runDeleteProcessor } from '../run-delete/processor';
import { backupScrubProcessor } from '../backup-scrub/processor';
import { backupZipProcessor } from '../backup-zip/processor';

/** The backup kinds' processors, for the job-contract suite's worker processes. */
export const contractProcessors = () => [
  runBackupProcessor,
  runBackupRestoreProcessor,
  backupPruneProcessor,
  runDeleteProcessor,
  backupScrubProcessor,
  backupZipProcessor,
];
