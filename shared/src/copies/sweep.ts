import type { LifecycleDeps } from '../operations/cancel';
import { endWithoutWorker } from '../operations/end';
import { queueOf, removeIdleJob } from '../operations/queues';
import { isTerminal } from '../operations/records';
import { markCopiesEnded, releaseCopySnapshot } from './rows';

export interface CopySweep {
  reconciled: number;
  expired: number;
  released: number;
}

/**
 * The copies' maintenance duty: rows whose apply operation ended without its processor saying so
 * (reaped, lost job) take its outcome; rows past expiresAt that were never applied (or failed)
 * expire, a waiting apply job with them; then every copy whose destinations are all done,
 * cancelled or expired has its source snapshot forgotten.
 */
export async function sweepCopies(deps: LifecycleDeps, now = new Date()): Promise<CopySweep> {
  const out: CopySweep = { reconciled: 0, expired: 0, released: 0 };

  const open = await deps.prisma.pendingCopy.findMany({
    where: { status: { in: ['pending', 'applying'] }, applyOperationId: { not: null } },
    select: { id: true, applyOperationId: true },
    take: 2000,
  });
  const ops = await deps.prisma.operation.findMany({
    where: { id: { in: open.map((r) => r.applyOperationId!) } },
    select: { id: true, status: true, error: true, errorCode: true },
  });
  const byId = new Map(ops.map((o) => [o.id, o]));
  for (const row of open) {
    const op = byId.get(row.applyOperationId!);
    if (!op || !isTerminal(op.status) || op.status === 'succeeded') continue;
    if (op.status === 'cancelled' || op.status === 'expired') {
      out.reconciled += await markCopiesEnded(deps.prisma, [row.id], op.status);
      continue;
    }
    const res = await deps.prisma.pendingCopy.updateMany({
      where: { id: row.id, status: { in: ['pending', 'applying'] } },
      data: {
        status: 'failed',
        error: op.error ?? 'Its apply operation failed',
        errorCode: op.errorCode ?? 'COPY_FAILED',
        finishedAt: now,
      },
    });
    out.reconciled += res.count;
  }

  const due = await deps.prisma.pendingCopy.findMany({
    where: { status: { in: ['pending', 'failed'] }, expiresAt: { lt: now } },
    take: 2000,
  });
  for (const row of due) {
    const op = row.applyOperationId
      ? await deps.prisma.operation.findUnique({ where: { id: row.applyOperationId } })
      : null;
    if (op && op.status === 'running') continue;
    if (op && op.status === 'queued') {
      if (!(await removeIdleJob(queueOf(deps.queues, op), op.id))) continue;
      await endWithoutWorker(deps, op, 'expired', {
        message: 'Not applied before it expired (7 days): its host stayed offline',
        code: 'EXPIRED',
      });
    }
    await markCopiesEnded(deps.prisma, [row.id], 'expired');
    // the apply operation's clean-up may have marked it already
    const now2 = await deps.prisma.pendingCopy.findUnique({
      where: { id: row.id },
      select: { status: true },
    });
    if (now2?.status === 'expired') out.expired++;
  }

  const unreleased = await deps.prisma.pendingCopy.findMany({
    where: { snapshotOwned: true, snapshotForgottenAt: null, snapshotId: { not: null } },
    distinct: ['operationId'],
    select: { operationId: true },
    take: 200,
  });
  for (const { operationId } of unreleased) {
    if (await releaseCopySnapshot(deps.prisma, deps.config, operationId)) out.released++;
  }
  return out;
}
