import type { Operation, PrismaClient } from '../db';
import { NotFoundError } from '../errors';
import { Prisma } from '../generated/prisma/client';
import { ACTIVE_STATUSES, isTerminalStatus } from '../contracts/operations';

export { ACTIVE_STATUSES, TERMINAL_STATUSES, type OperationStatusName } from '../contracts/operations';
export const isTerminal = isTerminalStatus;

export async function getOperation(prisma: PrismaClient, id: string): Promise<Operation> {
  const op = /^[0-9a-f-]{36}$/i.test(id) ? await prisma.operation.findUnique({ where: { id } }) : null;
  if (!op) throw new NotFoundError('OPERATION_NOT_FOUND', `Operation ${id} not found`);
  return op;
}

/** Sets a terminal status exactly once: returns null when the operation had already finished. */
export async function finishOperation(
  prisma: PrismaClient,
  id: string,
  status: 'succeeded' | 'failed' | 'cancelled' | 'expired',
  data: { result?: unknown; error?: string; errorCode?: string; currentOperation?: string } = {},
  /** Only if the row was not changed after this instant (e.g. retried since a job failed). */
  unchangedSince?: Date,
): Promise<Operation | null> {
  const { count } = await prisma.operation.updateMany({
    where: {
      id,
      status: { in: [...ACTIVE_STATUSES] },
      ...(unchangedSince ? { updatedAt: { lte: unchangedSince } } : {}),
    },
    data: {
      status,
      finishedAt: new Date(),
      ...(status === 'succeeded' ? { progressPercent: 100 } : {}),
      result: data.result === undefined ? undefined : (data.result as Prisma.InputJsonValue),
      error: data.error,
      errorCode: data.errorCode,
      currentOperation: data.currentOperation,
    },
  });
  if (count === 0) return null;
  return prisma.operation.findUnique({ where: { id } });
}

export async function appendLog(
  prisma: PrismaClient,
  operationId: string,
  level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR',
  message: string,
): Promise<void> {
  await prisma.operationLog.create({ data: { operationId, level, message: message.slice(0, 4000) } });
}

/** Merges `patch` into the operation's checkpoint (the data its stages carry forward). */
export async function saveCheckpoint(
  prisma: PrismaClient,
  id: string,
  patch: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const row = await prisma.operation.findUnique({ where: { id }, select: { checkpoint: true } });
  const next = { ...((row?.checkpoint as Record<string, unknown> | null) ?? {}), ...patch };
  await prisma.operation.update({ where: { id }, data: { checkpoint: next as Prisma.InputJsonValue } });
  return next;
}

export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}
