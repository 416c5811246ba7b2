import { runBackupProcessor } from '../run-backup/processor';
import { runBackupRestoreProcessor } from '../run-backup-restore/processor';
import { backupPruneProcessor } from '../backup-prune/processor';
import { runDeleteProcessor } from '../run-delete/processor';
import { hostTurnOffProcessor } from '../host-turn-off/processor';
import { moveOutProcessor } from '../run-move/source';
import { moveInProcessor } from '../run-move/dest';
import { moveFinishProcessor } from '../run-move/finish';
import { runCopyProcessor } from '../run-copy/processor';
import { runCopyApplyProcessor } from '../run-copy/apply';
import { backupScrubProcessor } from '../backup-scrub/processor';
import { backupZipProcessor } from '../backup-zip/processor';

/** The backup kinds' processors, for the job-contract suite's worker processes. */
export const contractProcessors = () => [
  runBackupProcessor,
  runBackupRestoreProcessor,
  backupPruneProcessor,
  runDeleteProcessor,
  hostTurnOffProcessor,
  moveOutProcessor,
  moveInProcessor,
  moveFinishProcessor,
  runCopyProcessor,
  runCopyApplyProcessor,
  backupScrubProcessor,
  backupZipProcessor,
];
