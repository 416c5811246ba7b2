import { z } from 'zod';
import { ACTIVE_STATUSES, type PrismaClient } from '@arkive/shared';

/**
 * Kinds that carry runs between hosts (issue 14: move, copy to many). Matched by name, so a host's
 * page lists them once those kinds exist and shows none before.
 */
export const TRANSFER_KINDS = ['run-move', 'run-copy'] as const;

export const pendingTransferSchema = z.object({
  operation_id: z.string(),
  kind: z.string(),
  status: z.string(),
  /** The run the operation is about (its scope). */
  runid: z.string(),
  stage: z.string().nullable(),
  percent: z.number(),
  message: z.string().nullable(),
  created_at: z.string(),
});

const runIdsOf = (input: unknown): string[] => {
  const i = (input ?? {}) as { runid?: unknown; src?: { runid?: unknown }; dests?: { runid?: unknown }[] };
  const ids = [i.runid, i.src?.runid, ...(Array.isArray(i.dests) ? i.dests.map((d) => d?.runid) : [])];
  return ids.filter((x): x is string => typeof x === 'string');
};

/**
 * Active moves and copies touching a host: running on it, about a run placed on it, to it
 * (`destHostId`), or from or into one of its runs.
 */
export async function pendingTransfers(prisma: PrismaClient, hostId: string, runIds: ReadonlySet<string>) {
  const ops = await prisma.operation.findMany({
    where: { kind: { in: [...TRANSFER_KINDS] }, status: { in: [...ACTIVE_STATUSES] } },
    orderBy: { createdAt: 'asc' },
    take: 1000,
  });
  return ops
    .filter((op) => {
      const input = (op.input ?? {}) as { destHostId?: unknown };
      return (
        op.hostId === hostId ||
        input.destHostId === hostId ||
        runIds.has(op.scopeId) ||
        runIdsOf(op.input).some((r) => runIds.has(r))
      );
    })
    .map((op) => ({
      operation_id: op.id,
      kind: op.kind,
      status: op.status,
      runid: op.scopeId,
      stage: op.stage,
      percent: op.progressPercent,
      message: op.currentOperation,
      created_at: op.createdAt.toISOString(),
    }));
}
