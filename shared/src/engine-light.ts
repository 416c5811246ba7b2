/**
 * `@arkive/shared/engine-light`: what every CLI command needs at start-up (the error model) and
 * what `arkive backup` / `arkive backups` need (restic against a local repository), without the
 * archive engine: loading `@arkive/shared/engine` costs ~0.1–0.2 s per process, a few percent of
 * an unchanged re-backup (see the backup benchmark). Commands that need the engine import it in
 * their action.
 */
export { AppError, CancelledError, ConflictError, errorCode, errorMessage } from './errors';
export { findLockFiles } from './runs';
export { BACKUP_HOST, resticVersion, type ResticRepo } from './backup/restic';
export { ensureResticRepo, resolveBackupPassword } from './backup/repos';
export { backupDir, runTag } from './backup/backup';
export { listSnapshots, listTree, type ResticSnapshot } from './backup/snapshots';
export {
  normalizePaths,
  planRestoreFromStaging,
  planRestoreFromTree,
  walkRunAhead,
  type RestorePlan as BackupRestorePlan,
} from './backup/plan';
