import type { RouteDef } from '../../../http/route';
import { createRunBackup } from './create';
import { listRunBackups } from './list';
import { restoreRunBackup } from './restore';
import { startRun } from './start';
import { backupTree } from './tree';

/** Run backups (restic): back up, list, browse, restore, restore-on-missing start. */
export const runBackupRoutes: RouteDef[] = [
  createRunBackup,
  listRunBackups,
  backupTree,
  restoreRunBackup,
  startRun,
];
