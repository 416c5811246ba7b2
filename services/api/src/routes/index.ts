import type { RouteDef } from '../http/route';
import { health } from './health';
import { folderJobRoutes } from './jobs';
import { cancelOperation } from './operations/cancel';
import { getOperationRoute } from './operations/get';
import { listOperations } from './operations/list';
import { operationLogs } from './operations/logs';
import { retryOperationRoute } from './operations/retry';
import { runArchiveRoutes } from './runs/archives';
import { authRoutes } from './auth';
import { userRoutes } from './users';
import { runRoutes } from './runs';
import { cronRoutes } from './cron';
import { listHosts } from './hosts/list';
import { drainHost, undrainHost } from './hosts/drain';
import { hostAdminRoutes } from './hosts';
import { copyRoutes } from './copies';
// --- runux: archive retention ---
import { runRetentionRoutes } from './runs/retention';
// --- backups (issue 13) ---
import { runBackupRoutes } from './runs/backups';
import { listBackupRepos } from './backup-repos/list';
// --- galleries (issue 15) ---
import { galleryRoutes } from './galleries';
// issue 12 (coldux): cold storage retrieval
import { retrieveFolder } from './folders/retrieve';
// --- run migrations (issue 16) ---
import { migrationRoutes } from './migrations';
// --- run sync (issue 17) ---
import { runExportRoutes } from './runs/export';
import { runSyncRoutes } from './run-sync';
import { syncTokenRoutes } from './sync-tokens';
// --- end run sync ---

/** The whole public route table. Each area adds its routes here (one file per route). */
export const routes: RouteDef[] = [
  health,
  listOperations,
  getOperationRoute,
  cancelOperation,
  retryOperationRoute,
  operationLogs,
  ...folderJobRoutes,
  ...runArchiveRoutes,
  ...authRoutes,
  ...userRoutes,
  ...runRoutes,
  ...cronRoutes,
  // Hosts (issue 14)
  listHosts,
  drainHost,
  undrainHost,
  ...hostAdminRoutes,
  ...copyRoutes,
  // --- runux: archive retention ---
  ...runRetentionRoutes,
  // --- backups (issue 13) ---
  ...runBackupRoutes,
  listBackupRepos,
  // --- galleries (issue 15) ---
  ...galleryRoutes,
  // issue 12 (coldux): cold storage retrieval
  retrieveFolder,
  // --- run migrations (issue 16) ---
  ...migrationRoutes,
  // --- run sync (issue 17) ---
  ...runExportRoutes,
  ...runSyncRoutes,
  ...syncTokenRoutes,
  // --- end run sync ---
];
