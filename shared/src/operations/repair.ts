import { ACTIVE_STATUSES } from '../contracts/operations';
import { findJobKind } from '../queues';
import type { LifecycleDeps } from './cancel';
import { endWithoutWorker } from './end';
import { queueOf, removeIdleJob } from './queues';
import { stageOf } from './stages';

/** Operations whose worker stopped sending heartbeats (and that wait for no child): failed, retryable. */
export async function reapStaleOperations(deps: LifecycleDeps, staleSeconds: number): Promise<string[]> {
  const cutoff = new Date(Date.now() - staleSeconds * 1000);
  const stale = await deps.prisma.operation.findMany({
    where: {
      status: 'running',
      heartbeatAt: { lt: cutoff },
      children: { none: { status: { in: [...ACTIVE_STATUSES] } } },
    },
    take: 500,
  });
  const reaped: string[] = [];
  for (const op of stale) {
    const def = findJobKind(op.kind);
    const at = (def && stageOf(def, op.stage)?.label) ?? op.stage ?? 'its work';
    const done = await endWithoutWorker(deps, op, 'failed', {
      message: `No heartbeat from its worker for over ${staleSeconds}s during: ${at}; the worker probably died. Retry it to run again.`,
      code: 'WORKER_LOST',
    });
    if (done) reaped.push(op.id);
  }
  return reaped;
}

/** How long a queued operation may go without its BullMQ job before it counts as lost. */
export const LOST_JOB_GRACE_MS = 60_000;
const ALIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Queued operations whose BullMQ job is gone (Redis lost data, a job removed by hand) or failed
 * without the operation finishing: failed with JOB_LOST so the user can retry them.
 */
export async function repairLostJobs(deps: LifecycleDeps, graceMs = LOST_JOB_GRACE_MS): Promise<string[]> {
  const queued = await deps.prisma.operation.findMany({
    where: { status: 'queued', updatedAt: { lt: new Date(Date.now() - graceMs) } },
    take: 500,
  });
  const repaired: string[] = [];
  for (const op of queued) {
    const job = await queueOf(deps.queues, op).getJob(op.id);
    const state = job ? await job.getState() : 'missing';
    if (ALIVE_STATES.has(state)) continue;
    const reason =
      state === 'failed' && job?.failedReason
        ? `its job failed: ${job.failedReason}`
        : 'its queue job is gone';
    const done = await endWithoutWorker(deps, op, 'failed', {
      message: `This operation could not run (${reason}). Retry it to queue it again.`,
      code: 'JOB_LOST',
    });
    if (done) repaired.push(op.id);
  }
  return repaired;
}

/** Queued operations whose expiresAt passed before a worker took them end `expired`. */
export async function expireOperations(deps: LifecycleDeps): Promise<string[]> {
  const due = await deps.prisma.operation.findMany({
    where: { status: 'queued', expiresAt: { lt: new Date() } },
    take: 500,
  });
  const expired: string[] = [];
  for (const op of due) {
    if (!(await removeIdleJob(queueOf(deps.queues, op), op.id))) continue;
    const done = await endWithoutWorker(deps, op, 'expired', {
      message: 'Expired before a worker started it',
      code: 'EXPIRED',
    });
    if (done) expired.push(op.id);
  }
  return expired;
}
