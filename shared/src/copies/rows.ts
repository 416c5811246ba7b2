import type { Config } from '../config';
import type { PrismaClient } from '../db';
import { resticRepoFor } from '../backup/repos';
import { listSnapshots } from '../backup/snapshots';
import { BACKUP_HOST, ResticLockedError, runRestic } from '../backup/restic';

/** The tag of every snapshot a copy makes (a retry after a crash may have made more than one). */
export const copyTag = (operationId: string) => `copy:${operationId}`;

/** Copy statuses that still need the source snapshot (a failed one is kept for a retry until it expires). */
export const COPY_HOLDING_STATUSES = ['pending', 'applying', 'failed'] as const;

/** Marks copies cancelled or expired (those not done yet). */
export async function markCopiesEnded(
  prisma: PrismaClient,
  ids: string[],
  status: 'cancelled' | 'expired',
): Promise<number> {
  if (!ids.length) return 0;
  const res = await prisma.pendingCopy.updateMany({
    where: { id: { in: ids }, status: { in: [...COPY_HOLDING_STATUSES] } },
    data: {
      status,
      finishedAt: new Date(),
      ...(status === 'expired'
        ? { errorCode: 'EXPIRED', error: 'Not applied before it expired (7 days)' }
        : { errorCode: 'CANCELLED', error: 'Cancelled' }),
    },
  });
  return res.count;
}

/**
 * Forgets the copy's source snapshot once no destination needs it any more (every row done,
 * cancelled or expired), when the copy made it (a reused backup is the run's, never forgotten).
 * Claimed in the database first, so exactly one caller runs `restic forget`; a busy repository
 * gives the claim back for the next try (the maintenance duty). True when it was forgotten now.
 */
export async function releaseCopySnapshot(
  prisma: PrismaClient,
  config: Pick<Config, 'dataDir' | 'backup' | 's3'>,
  operationId: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const holding = await prisma.pendingCopy.count({
    where: { operationId, status: { in: [...COPY_HOLDING_STATUSES] } },
  });
  if (holding > 0) return false;
  const row = await prisma.pendingCopy.findFirst({
    where: { operationId, snapshotOwned: true, snapshotId: { not: null }, snapshotForgottenAt: null },
  });
  if (!row?.snapshotId || !row.repoId) return false;
  const now = new Date();
  const claim = await prisma.pendingCopy.updateMany({
    where: { operationId, snapshotForgottenAt: null },
    data: { snapshotForgottenAt: now },
  });
  if (claim.count === 0) return false;
  try {
    // every snapshot with the copy's tag: also one an interrupted earlier attempt made
    // (restic forget needs ids: `--tag` alone, without a keep policy, removes nothing)
    const repo = resticRepoFor(config, row.repoId);
    const ids = new Set([
      row.snapshotId,
      ...(await listSnapshots(repo, [copyTag(operationId)], signal)).map((x) => x.id),
    ]);
    await runRestic(repo, ['forget', '--host', BACKUP_HOST, ...ids], { signal });
    return true;
  } catch (err) {
    await prisma.pendingCopy.updateMany({
      where: { operationId, snapshotForgottenAt: now },
      data: { snapshotForgottenAt: null },
    });
    if (err instanceof ResticLockedError) return false;
    throw err;
  }
}
