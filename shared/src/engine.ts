/**
 * `@arkive/shared/engine`: what the CLI needs without loading Redis or PostgreSQL clients, so it
 * starts fast and works with no server: the archive engine, the error model, run lock files.
 */
export * from './archive';
export { AppError, CancelledError, ConflictError, errorCode, errorMessage } from './errors';
export { findLockFiles } from './runs';
// --- backups (issue 13): restic against a local repository, no server ---
export {
  BACKUP_HOST,
  backupDir,
  ensureResticRepo,
  fillPaths,
  fillWhole,
  listSnapshots,
  listTree,
  normalizePaths,
  planRestoreFromTree,
  resolveBackupPassword,
  runTag,
  type ResticRepo,
  type ResticSnapshot,
  type RestorePlan as BackupRestorePlan,
} from './backup';
