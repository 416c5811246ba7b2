import { Queue, Worker } from 'bullmq';
import {
  bullPrefix,
  createWorkerRedis,
  errorMessage,
  expireGalleryArchives,
  expireOperations,
  markOfflineHosts,
  processPendingArchives,
  reapStaleOperations,
  repairLostJobs,
  sweepCopies,
} from '@arkive/shared';
import type { AppDeps } from './deps';
import { applyRetentionEverywhere } from './retention/apply';
import { queueScheduledBackups, queueScheduledRetention } from './backup-schedule';
import { storesOf } from './routes/galleries/common';
import { expireBackupZips, queueScheduledScrubs } from './backup-maintenance';

/**
 * Periodic duties ("cron"): run every minute inside the system by a BullMQ repeatable job on the
 * `maintenance` queue, and on demand by `POST /api/cron/tick` (CRON_SECRET) for deployments that
 * prefer an outside scheduler. Every duty must be idempotent: both may run.
 */
export const MAINTENANCE_QUEUE = 'maintenance';
export const MAINTENANCE_EVERY_MS = 60_000;

export type MaintenanceDuty = (deps: AppDeps) => Promise<unknown>;
const duties = new Map<string, MaintenanceDuty>();

/** Adds a duty (e.g. sending pending gallery archives); a later registration under the same name replaces it. */
export function registerMaintenanceDuty(name: string, duty: MaintenanceDuty): void {
  duties.set(name, duty);
}

export function maintenanceDutyNames(): string[] {
  return [...duties.keys()];
}

export interface DutyOutcome {
  ok: boolean;
  result?: unknown;
  error?: string;
  ms: number;
}

/** Runs every duty once; one failing duty does not stop the others. */
export async function runMaintenance(deps: AppDeps): Promise<Record<string, DutyOutcome>> {
  const out: Record<string, DutyOutcome> = {};
  for (const [name, duty] of duties) {
    const start = Date.now();
    try {
      out[name] = { ok: true, result: await duty(deps), ms: Date.now() - start };
    } catch (err) {
      deps.logger.error({ err, duty: name }, 'maintenance duty failed');
      out[name] = { ok: false, error: errorMessage(err), ms: Date.now() - start };
    }
  }
  return out;
}

registerMaintenanceDuty('reap-stale-operations', async (deps) => ({
  reaped: await reapStaleOperations(deps, deps.config.staleSeconds),
}));
registerMaintenanceDuty('expire-operations', async (deps) => ({ expired: await expireOperations(deps) }));
registerMaintenanceDuty('repair-lost-jobs', async (deps) => ({ repaired: await repairLostJobs(deps) }));
registerMaintenanceDuty('mark-offline-hosts', async (deps) => ({
  offline: await markOfflineHosts(deps.prisma, deps.config),
}));
registerMaintenanceDuty('apply-retention', (deps) => applyRetentionEverywhere(deps));
// Galleries (issue 15): the same as POST /api/cron/process-archives.
registerMaintenanceDuty('process-gallery-archives', (deps) => processPendingArchives(deps));
registerMaintenanceDuty('expire-gallery-archives', (deps) =>
  expireGalleryArchives({ ...deps, stores: storesOf(deps) }),
);
// --- backups (issue 13) ---
registerMaintenanceDuty('scheduled-backups', (deps) => queueScheduledBackups(deps));
registerMaintenanceDuty('scheduled-retention', (deps) => queueScheduledRetention(deps));
// --- copy to many runs (issue 14): expire unapplied copies after 7 days, forget unneeded snapshots ---
registerMaintenanceDuty('copies', (deps) => sweepCopies(deps));
registerMaintenanceDuty('scheduled-scrub', (deps) => queueScheduledScrubs(deps));
registerMaintenanceDuty('expire-backup-zips', (deps) => expireBackupZips(deps));
// Revoked session ids and login-failure counters live in Redis with a TTL equal to their
// lifetime, and signed links are stateless: nothing of theirs needs purging here.

export interface MaintenanceScheduler {
  queue: Queue;
  worker: Worker;
  close(): Promise<void>;
}

/** Schedules the duties every minute (one job scheduler shared by every API process) and processes them. */
export async function startMaintenance(
  deps: AppDeps,
  everyMs = MAINTENANCE_EVERY_MS,
): Promise<MaintenanceScheduler> {
  const prefix = bullPrefix(deps.config.redisPrefix);
  const queue = deps.queues.get(MAINTENANCE_QUEUE);
  await queue.upsertJobScheduler(
    'maintenance-tick',
    { every: everyMs },
    { name: 'tick', opts: { removeOnComplete: { count: 50 }, removeOnFail: { count: 50 } } },
  );
  const connection = createWorkerRedis(deps.config.redisUrl);
  const worker = new Worker(MAINTENANCE_QUEUE, async () => runMaintenance(deps), {
    connection,
    prefix,
    concurrency: 1,
  });
  worker.on('error', (err) => deps.logger.warn({ err }, 'maintenance worker error'));
  return {
    queue,
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
