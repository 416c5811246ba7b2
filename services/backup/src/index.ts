import { createLogger, recoverRestoreLeftovers, startService, sweepDeadSnapshotTemps } from '@arkive/shared';
import { runBackupProcessor } from './run-backup/processor';
import { runBackupRestoreProcessor } from './run-backup-restore/processor';
import { backupPruneProcessor } from './backup-prune/processor';
import { runDeleteProcessor } from './run-delete/processor';
import { hostTurnOffProcessor } from './host-turn-off/processor';
import { moveOutProcessor } from './run-move/source';
import { moveInProcessor } from './run-move/dest';
import { moveFinishProcessor } from './run-move/finish';
import { runCopyProcessor } from './run-copy/processor';
import { runCopyApplyProcessor } from './run-copy/apply';
import { backupScrubProcessor } from './backup-scrub/processor';
import { backupZipProcessor } from './backup-zip/processor';

/** The `backup` service: restic backups of runs and restores from them (queue `backup`). */
void startService('backup', async (config) => {
  // Restores from backups use the same staging + swap as archive restores: recover what a dead
  // process of this host left (never a live process's or another host's).
  const logger = createLogger('backup', config.logLevel);
  for (const line of await recoverRestoreLeftovers(config.runsRoot, config.hostId)) logger.info(line);
  for (const r of await sweepDeadSnapshotTemps(config.runsRoot, config.hostId))
    logger.info({ file: r.path, bytes: r.size }, `removed ${r.path}, left by a restore whose process died`);
  return [
    {
      queue: 'backup',
      processors: [
        runBackupProcessor,
        runBackupRestoreProcessor,
        backupPruneProcessor,
        runDeleteProcessor,
        hostTurnOffProcessor,
        moveOutProcessor,
        runCopyProcessor,
        runCopyApplyProcessor,
        backupScrubProcessor,
        backupZipProcessor,
      ],
    },
    // a run moving here: restore + verify; a run that moved away: remove the source copy
    { queue: 'move-dest', processors: [moveInProcessor] },
    { queue: 'move-source', processors: [moveFinishProcessor] },
  ];
});
