import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../config';
import { channels } from '../contracts/channels';
import { runMoveSpec } from '../contracts/kinds';
import { RUN_ID_PATTERN } from '../contracts/ids';
import { createPrisma, type PrismaClient } from '../db';
import { saveCheckpoint } from '../operations/records';
import { createWorkerRedis } from '../redis';
import { runLocksKey } from '../runs';
import { defineJobKind } from './define';

const HOST_ID = z.string().min(1).max(64);

export const runMovePayload = z.object({
  runid: z.string().regex(RUN_ID_PATTERN),
  /** the host holding the run when the move was asked for */
  sourceHostId: HOST_ID,
  destHostId: HOST_ID,
  /** also carry the run's local snapshots (archives/); otherwise they are removed with the source copy */
  includeArchives: z.boolean().default(false),
});
export type RunMovePayload = z.infer<typeof runMovePayload>;

export const runMoveResult = z.object({
  from: z.string(),
  to: z.string(),
  /** the backup restored on the destination */
  backupId: z.string(),
  snapshotId: z.string(),
  /** a new backup was made for the move (the last one was older than the last edit, or archives/ went too) */
  backedUp: z.boolean(),
  files: z.number(),
  bytes: z.number(),
  archivesMoved: z.number(),
  archivesRemoved: z.number(),
});

/** The field of the run's Redis lock hash a move holds from `locking` to `unlocking`. */
export const MOVE_LOCK_FIELD = 'arkive-move';

/** What the move's stages carry forward in Operation.checkpoint. */
export interface RunMoveCheckpoint {
  backupId?: string;
  snapshotId?: string;
  backedUp?: boolean;
  /** runs.host_id was set to the destination by this move */
  placed?: boolean;
  /** the destination's directory was restored by this move (removed again if the move fails there) */
  destRestored?: boolean;
  /** a failure on the destination put the run back on its source: a retry starts over */
  reverted?: boolean;
}

export async function lockRunForMove(redis: Redis, prefix: string, runid: string, operationId: string) {
  await redis.hset(runLocksKey(prefix, runid), MOVE_LOCK_FIELD, `move ${operationId}`);
}

/** Releases the move's lock field (only this operation's). */
export async function unlockRunForMove(redis: Redis, prefix: string, runid: string, operationId: string) {
  const key = runLocksKey(prefix, runid);
  if ((await redis.hget(key, MOVE_LOCK_FIELD)) === `move ${operationId}`)
    await redis.hdel(key, MOVE_LOCK_FIELD);
}

/** Puts the run back on its source host, if this move had placed it on the destination. */
export async function revertMovePlacement(prisma: PrismaClient, p: RunMovePayload): Promise<boolean> {
  const { count } = await prisma.run.updateMany({
    where: { id: p.runid, hostId: p.destHostId },
    data: { hostId: p.sourceHostId },
  });
  return count > 0;
}

const DEST_STAGES = new Set<string>(
  runMoveSpec.stages.filter((s) => s.queue === 'move-dest').map((s) => s.name),
);
const SOURCE_END_STAGES = new Set<string>(
  runMoveSpec.stages.filter((s) => s.queue === 'move-source').map((s) => s.name),
);

/**
 * Ended while waiting (a cancel, an expiry). Before the source copy's removal: the placement goes
 * back to the source (whose copy is untouched), the lock is released and a retry starts over.
 * Waiting for the removal (the destination verified its copy): the run stays on the destination,
 * unlocked; the source copy is left for a retry to remove.
 */
async function cleanupMove(config: Config, opId: string, p: RunMovePayload, stage: string | null) {
  const prisma = createPrisma(config.databaseUrl, 1);
  const redis = createWorkerRedis(config.redisUrl);
  try {
    if (!(stage && SOURCE_END_STAGES.has(stage))) {
      await revertMovePlacement(prisma, p);
      // a retry then starts over at validating (canResumeAt)
      await saveCheckpoint(prisma, opId, { reverted: true, placed: false } satisfies RunMoveCheckpoint);
    }
    await unlockRunForMove(redis, config.redisPrefix, p.runid, opId);
  } finally {
    redis.disconnect();
    await prisma.$disconnect();
  }
}

/** Moves a run to another host through its backups (see runMoveSpec). */
export const runMove = defineJobKind({
  spec: runMoveSpec,
  payload: runMovePayload,
  result: runMoveResult,
  // no automatic retries: a failure is reported and a user retry resumes (see canResumeAt)
  attempts: 1,
  backoffMs: 5000,
  scopeId: (p) => p.runid,
  channel: (p) => channels.runArchive(p.runid),
  exclusiveKey: (p) => `run:${p.runid}`,
  // the destination's stages on the destination host's queues, every other stage on the source's
  placement: async (p, { stage }) => (DEST_STAGES.has(stage.name) ? p.destHostId : p.sourceHostId),
  // after a failure on the destination the run went back to its source (which may have changed
  // since): a retry starts over at validating instead of restoring the old backup
  canResumeAt: async (stage, { operation }) =>
    !(DEST_STAGES.has(stage.name) && (operation.checkpoint as RunMoveCheckpoint | null)?.reverted),
  cleanup: async ({ config, operation, stage }) =>
    cleanupMove(config, operation.id, runMovePayload.parse(operation.input), stage),
});
