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
  // --- run sync (issue 17) ---
  ...runExportRoutes,
  ...runSyncRoutes,
  ...syncTokenRoutes,
  // --- end run sync ---
];
