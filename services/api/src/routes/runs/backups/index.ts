import type { RouteDef } from '../../../http/route';
import { createRunBackup } from './create';
import { listRunBackups } from './list';
import { restoreRunBackup } from './restore';
import { pruneRunBackups, setRunRetention } from './retention';
import { startRun } from './start';
import { backupTree } from './tree';
import { createBackupZip, listBackupZips } from './zip';
import { downloadBackupZip } from './zip-download';
import { setRunBackupRepo } from './repo';

/** Run backups (restic): back up, list, browse, restore, restore-on-missing start, retention, ZIPs, the run's repository. */
export const runBackupRoutes: RouteDef[] = [
  createRunBackup,
  listRunBackups,
  backupTree,
  restoreRunBackup,
  startRun,
  setRunRetention,
  pruneRunBackups,
  listBackupZips,
  createBackupZip,
  downloadBackupZip,
  setRunBackupRepo,
];
