import { randomUUID } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { Config } from '../config';
import type { Operation, PrismaClient } from '../db';
import { AppError, ConflictError } from '../errors';
import { Prisma } from '../generated/prisma/client';
import type { JobKind } from '../queues/define';
import { publishOperationEvent, type OperationDeps } from './publish';
import { stageHost } from './placement';
import { addStageJob, type QueueProvider } from './queues';
import { ACTIVE_STATUSES, isUniqueViolation } from './records';

export interface CreateOperationOptions {
  createdBy?: string;
  parentId?: string;
  /**
   * The exclusive key the parent holds: a child on the same key (a migration's snapshot of its run)
   * runs under the parent's exclusivity instead of being refused by it.
   */
  heldKey?: string | null;
  dedupeKey?: string;
  expiresAt?: Date;
}

/** Creates the Operation row; a second active operation on the same exclusive key is refused by the database. */
export async function createOperation<P>(
  prisma: PrismaClient,
  def: JobKind<P, unknown>,
  payload: P,
  opts: CreateOperationOptions & { hostId?: string | null } = {},
): Promise<Operation> {
  const key = def.exclusiveKey?.(payload);
  const exclusiveKey = key && key === opts.heldKey ? undefined : key;
  const id = randomUUID();
  const first = def.spec.stages[0];
  try {
    return await prisma.operation.create({
      data: {
        id,
        kind: def.kind,
        queue: first.queue,
        hostId: opts.hostId ?? null,
        stage: first.name,
        scopeType: def.scopeType,
        scopeId: def.scopeId(payload),
        channel: def.channel(payload, id),
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
    if (isUniqueViolation(err)) {
      const active = exclusiveKey
        ? await prisma.operation.findFirst({ where: { exclusiveKey, status: { in: [...ACTIVE_STATUSES] } } })
        : null;
      throw new ConflictError(
        'OPERATION_ACTIVE',
        `Another ${active?.kind ?? 'operation'} is already ${active?.status ?? 'active'} for ${def.scopeType} ${def.scopeId(payload)}`,
        { activeOperationId: active?.id },
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

export type EnqueueDeps = OperationDeps & { queues: QueueProvider; config: Config };

/**
 * The API half of the job contract: validate, create the Operation, add the BullMQ job of its
 * first stage with jobId = operation.id (after the row is committed), publish ENQUEUED.
 */
export async function enqueueOperation<P>(
  deps: EnqueueDeps,
  def: JobKind<P, unknown>,
  rawPayload: unknown,
  opts: CreateOperationOptions & {
    jobOptions?: Omit<JobsOptions, 'jobId'>;
    enqueuedMessage?: string;
    /** Writes the rows the job will read (e.g. a copy's destinations) after the Operation exists, before its job is queued. */
    beforeQueue?(operation: Operation): Promise<void>;
  } = {},
): Promise<EnqueueResult> {
  const payload = def.payload.parse(rawPayload);
  const hostId = await stageHost(def, payload, def.spec.stages[0], deps);
  const operation = await createOperation(deps.prisma, def, payload, { ...opts, hostId });
  const generic = def as JobKind<unknown, unknown>;
  if (opts.beforeQueue) {
    try {
      await opts.beforeQueue(operation);
    } catch (err) {
      await deps.prisma.operation.update({
        where: { id: operation.id },
        data: {
          status: 'failed',
          error: (err as Error).message,
          errorCode: 'ENQUEUE_FAILED',
          finishedAt: new Date(),
        },
      });
      throw err;
    }
  }
  try {
    await addStageJob(deps.queues, deps.config, generic, operation, def.spec.stages[0], opts.jobOptions);
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
  await publishOperationEvent(deps, operation, 'ENQUEUED', opts.enqueuedMessage ?? `Queued ${def.kind}`);
  return { operation, operationId: operation.id, channel: operation.channel };
}
