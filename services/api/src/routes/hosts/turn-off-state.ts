import { z } from 'zod';
import { hostTurnOff, isTerminal, type PrismaClient } from '@arkive/shared';

export const turnOffStateSchema = z.object({
  operation_id: z.string(),
  status: z.string(),
  stage: z.string().nullable(),
  percent: z.number(),
  message: z.string().nullable(),
  error: z.string().nullable(),
  channel: z.string(),
  created_at: z.string(),
  finished_at: z.string().nullable(),
  /** Runs it backs up (those whose backup was not fresh), how many are done, bytes backed up so far. */
  runs_total: z.number().int(),
  runs_done: z.number().int(),
  bytes: z.number(),
  runs: z.array(
    z.object({
      runid: z.string(),
      operation_id: z.string(),
      status: z.string(),
      percent: z.number(),
      bytes: z.number().nullable(),
      error: z.string().nullable(),
    }),
  ),
});

/** The host's newest turn-off with its child backups (the page follows it live). */
export async function latestTurnOff(prisma: PrismaClient, hostId: string) {
  const op = await prisma.operation.findFirst({
    where: { kind: hostTurnOff.kind, scopeType: 'host', scopeId: hostId },
    orderBy: { createdAt: 'desc' },
  });
  if (!op) return null;
  const children = await prisma.operation.findMany({
    where: { parentId: op.id },
    orderBy: { createdAt: 'asc' },
  });
  // A retry backs up again what is still stale: show each run's newest backup of this turn-off.
  const newest = new Map(children.map((c) => [c.scopeId, c]));
  const runs = [...newest.values()].map((c) => {
    const r = (c.result ?? {}) as { bytes?: unknown };
    return {
      runid: c.scopeId,
      operation_id: c.id,
      status: c.status,
      percent: c.progressPercent,
      bytes: typeof r.bytes === 'number' ? r.bytes : null,
      error: c.error,
    };
  });
  return {
    operation_id: op.id,
    status: op.status,
    stage: op.stage,
    percent: op.progressPercent,
    message: op.currentOperation,
    error: op.error,
    channel: op.channel,
    created_at: op.createdAt.toISOString(),
    finished_at: op.finishedAt?.toISOString() ?? null,
    runs_total: runs.length,
    runs_done: runs.filter((r) => isTerminal(r.status)).length,
    bytes: runs.reduce((n, r) => n + (r.bytes ?? 0), 0),
    runs,
  };
}
