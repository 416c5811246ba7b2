import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { channels, type EventPublisher, type EventType } from './events';
import { AppError, ConflictError, NotFoundError } from './errors';
import type { JobKind } from './queues/define';
import type { Operation, PrismaClient } from './db';
import { Prisma } from './generated/prisma/client';

export const ACTIVE_STATUSES = ['queued', 'running'] as const;
export const TERMINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'expired'] as const;
export type OperationStatusName = (typeof ACTIVE_STATUSES)[number] | (typeof TERMINAL_STATUSES)[number];

export function isTerminal(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export interface OperationDeps {
  prisma: PrismaClient;
  publisher: EventPublisher;
}

export interface QueueProvider {
  get(name: string): Queue;
  closeAll(): Promise<void>;
}

/** One BullMQ Queue instance per queue name per process, reused. */
export function createQueueProvider(connection: Redis, prefix: string): QueueProvider {
  const queues = new Map<string, Queue>();
  return {
    get(name) {
      let q = queues.get(name);
      if (!q) {
        q = new Queue(name, { connection, prefix: bullPrefix(prefix) });
        queues.set(name, q);
      }
      return q;
    },
    async closeAll() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
    },
  };
}

export function bullPrefix(redisPrefix: string): string {
  return `${redisPrefix}bull`;
}

export interface CreateOperationOptions {
  createdBy?: string;
  parentId?: string;
  dedupeKey?: string;
  expiresAt?: Date;
}

/** Creates the Operation row; a second active operation on the same exclusive key is refused by the database. */
export async function createOperation<P>(
  prisma: PrismaClient,
  def: JobKind<P, unknown>,
  payload: P,
  opts: CreateOperationOptions = {},
): Promise<Operation> {
  const exclusiveKey = def.exclusiveKey?.(payload);
  try {
    return await prisma.operation.create({
      data: {
        kind: def.kind,
        queue: def.queue,
        scopeType: def.scopeType,
        scopeId: def.scopeId(payload),
        input: payload as Prisma.InputJsonValue,
        maxAttempts: def.attempts,
        exclusiveKey,
        dedupeKey: opts.dedupeKey,
        createdBy: opts.createdBy,
        parentId: opts.parentId,
        expiresAt: opts.expiresAt,
      },
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      const active = exclusiveKey
        ? await prisma.operation.findFirst({ where: { exclusiveKey, status: { in: [...ACTIVE_STATUSES] } } })
        : null;
      throw new ConflictError(
        'OPERATION_ACTIVE',
        `Another ${active?.kind ?? 'operation'} is already ${active?.status ?? 'active'} for ${def.scopeType} ${def.scopeId(payload)}`,
        {
          activeOperationId: active?.id,
        },
      );
    }
    throw err;
  }
}

export interface EnqueueResult {
  operation: Operation;
  operationId: string;
  channel: string;
}

/**
 * The API half of the job contract: validate, create the Operation, add the BullMQ job with
 * jobId = operation.id (after the row is committed), publish ENQUEUED.
 */
export async function enqueueOperation<P>(
  deps: OperationDeps & { queues: QueueProvider },
  def: JobKind<P, unknown>,
  rawPayload: unknown,
  opts: CreateOperationOptions & { jobOptions?: JobsOptions; enqueuedMessage?: string } = {},
): Promise<EnqueueResult> {
  const payload = def.payload.parse(rawPayload);
  const operation = await createOperation(deps.prisma, def, payload, opts);
  const channel = def.channel(payload, operation.id);
  try {
    await deps.queues.get(def.queue).add(def.kind, payload, {
      jobId: operation.id,
      attempts: def.attempts,
      backoff: { type: 'exponential', delay: def.backoffMs },
      removeOnComplete: { count: 1000 },
      removeOnFail: def.removeOnFail,
      ...opts.jobOptions,
    });
  } catch (err) {
    await deps.prisma.operation.update({
      where: { id: operation.id },
      data: {
        status: 'failed',
        error: `Could not queue the job: ${(err as Error).message}`,
        errorCode: 'QUEUE_UNAVAILABLE',
        finishedAt: new Date(),
      },
    });
    throw new AppError('QUEUE_UNAVAILABLE', 'The job queue is unavailable; try again shortly', 503);
  }
  await publishOperationEvent(
    deps,
    operation,
    channel,
    'ENQUEUED',
    opts.enqueuedMessage ?? `Queued ${def.kind}`,
  );
  return { operation, operationId: operation.id, channel };
}

/** Publishes on the operation's channel and, for every state change, on the `operations` channel. */
export async function publishOperationEvent(
  deps: OperationDeps,
  operation: Pick<Operation, 'id' | 'kind' | 'status' | 'scopeType' | 'scopeId'> & Partial<Operation>,
  channel: string,
  type: EventType,
  message: string,
  extra: {
    stage?: string;
    percent?: number;
    progress?: { current: number; total: number; unit: string };
    detail?: unknown;
  } = {},
): Promise<void> {
  await deps.publisher.publish(channel, { type, operationId: operation.id, message, ...extra });
  if (channel !== channels.operations()) {
    await deps.publisher.publish(channels.operations(), {
      type: 'OPERATION_UPDATE',
      operationId: operation.id,
      message,
      stage: extra.stage ?? operation.stage ?? undefined,
      percent: extra.percent ?? operation.progressPercent,
      detail: {
        kind: operation.kind,
        status: operation.status,
        scopeType: operation.scopeType,
        scopeId: operation.scopeId,
        event: type,
        channel,
      },
    });
  }
}

export async function getOperation(prisma: PrismaClient, id: string): Promise<Operation> {
  const op = /^[0-9a-f-]{36}$/i.test(id) ? await prisma.operation.findUnique({ where: { id } }) : null;
  if (!op) throw new NotFoundError('OPERATION_NOT_FOUND', `Operation ${id} not found`);
  return op;
}

/**
 * Cancel: a queued job that no worker holds is removed and ends `cancelled` at once; a running
 * one is marked and its worker stops at its next check (at least every second).
 */
export async function requestCancel(
  deps: OperationDeps & { queues: QueueProvider },
  id: string,
  channel?: string,
): Promise<Operation> {
  const op = await getOperation(deps.prisma, id);
  if (isTerminal(op.status))
    throw new ConflictError('OPERATION_FINISHED', `Operation ${id} already ${op.status}`);
  const marked = await deps.prisma.operation.update({
    where: { id },
    data: { cancelRequestedAt: op.cancelRequestedAt ?? new Date() },
  });
  if (op.status === 'queued') {
    const job = await deps.queues.get(op.queue).getJob(id);
    let removed = !job;
    if (job) {
      const state = await job.getState();
      if (state !== 'active')
        removed = await job.remove().then(
          () => true,
          () => false,
        );
    }
    if (removed) {
      const done = await finishOperation(deps.prisma, id, 'cancelled', {
        error: 'Cancelled by request',
        errorCode: 'CANCELLED',
      });
      if (done)
        await publishOperationEvent(
          deps,
          done,
          channel ?? channelFor(op),
          'CANCELLED',
          'Cancelled before it started',
        );
      return done ?? marked;
    }
  }
  await publishOperationEvent(deps, marked, channel ?? channelFor(op), 'STATUS', 'Cancellation requested');
  return marked;
}

/** A user retry of a failed or cancelled operation: same id, counters reset, job queued again. */
export async function retryOperation(
  deps: OperationDeps & { queues: QueueProvider },
  id: string,
): Promise<Operation> {
  const op = await getOperation(deps.prisma, id);
  if (op.status !== 'failed' && op.status !== 'cancelled') {
    throw new ConflictError(
      'OPERATION_NOT_RETRYABLE',
      `Only failed or cancelled operations can be retried; this one is ${op.status}`,
    );
  }
  let updated: Operation;
  try {
    updated = await deps.prisma.operation.update({
      where: { id },
      data: {
        status: 'queued',
        attempt: 0,
        error: null,
        errorCode: null,
        cancelRequestedAt: null,
        finishedAt: null,
        stage: null,
        progressPercent: 0,
        currentOperation: 'Queued for retry',
        result: Prisma.DbNull,
      },
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      throw new ConflictError(
        'OPERATION_ACTIVE',
        `Another operation is already active for ${op.scopeType} ${op.scopeId}`,
      );
    }
    throw err;
  }
  const queue = deps.queues.get(op.queue);
  const old = await queue.getJob(id);
  if (old) await old.remove();
  await queue.add(op.kind, op.input, {
    jobId: id,
    attempts: op.maxAttempts,
    backoff: { type: 'exponential', delay: 5000 },
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 1000 },
  });
  await appendLog(deps.prisma, id, 'INFO', 'Retry requested; attempts reset');
  await publishOperationEvent(deps, updated, channelFor(op), 'ENQUEUED', 'Queued again for retry');
  return updated;
}

/** The channel an operation reports on, derived from its kind's definition when known. */
export function channelFor(op: Pick<Operation, 'id' | 'kind' | 'input' | 'scopeType' | 'scopeId'>): string {
  // Imported lazily to avoid a cycle (queues import events, events are tiny).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { jobKinds } = require('./queues') as typeof import('./queues');
  const def = (jobKinds as Record<string, JobKind<unknown, unknown>>)[op.kind];
  if (def) {
    const parsed = def.payload.safeParse(op.input);
    if (parsed.success) return def.channel(parsed.data, op.id);
  }
  if (op.scopeType === 'folder') return channels.folder(op.id);
  return channels.operations();
}

/** Sets a terminal status exactly once: returns null when the operation had already finished. */
export async function finishOperation(
  prisma: PrismaClient,
  id: string,
  status: 'succeeded' | 'failed' | 'cancelled' | 'expired',
  data: { result?: unknown; error?: string; errorCode?: string; currentOperation?: string } = {},
): Promise<Operation | null> {
  const { count } = await prisma.operation.updateMany({
    where: { id, status: { in: [...ACTIVE_STATUSES] } },
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

/** Operations whose worker stopped sending heartbeats: marked failed (retryable by a user). */
export async function reapStaleOperations(deps: OperationDeps, staleSeconds: number): Promise<string[]> {
  const cutoff = new Date(Date.now() - staleSeconds * 1000);
  const stale = await deps.prisma.operation.findMany({
    where: { status: 'running', heartbeatAt: { lt: cutoff } },
    take: 500,
  });
  const reaped: string[] = [];
  for (const op of stale) {
    const done = await finishOperation(deps.prisma, op.id, 'failed', {
      error: `No heartbeat from its worker for over ${staleSeconds}s; the worker probably died. Retry it to run again.`,
      errorCode: 'WORKER_LOST',
    });
    if (done) {
      reaped.push(op.id);
      await appendLog(deps.prisma, op.id, 'ERROR', done.error ?? 'Worker lost');
      await publishOperationEvent(deps, done, channelFor(op), 'EXCEPTION', done.error ?? 'Worker lost');
    }
  }
  return reaped;
}
