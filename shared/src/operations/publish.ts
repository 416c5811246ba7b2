import { channels } from '../contracts/channels';
import type { EventType } from '../contracts/events';
import type { Operation, PrismaClient } from '../db';
import type { EventPublisher } from '../events';

export interface OperationDeps {
  prisma: PrismaClient;
  publisher: EventPublisher;
}

export type PublishedOperation = Pick<
  Operation,
  'id' | 'kind' | 'status' | 'scopeType' | 'scopeId' | 'channel'
> &
  Partial<Pick<Operation, 'stage' | 'progressPercent' | 'createdBy' | 'parentId'>>;

export interface EventExtra {
  stage?: string;
  percent?: number;
  progress?: { current: number; total: number; unit: string; rate?: number; etaSeconds?: number };
  detail?: unknown;
}

/**
 * Publishes on the operation's channel and, for every state change, an OPERATION_UPDATE on the
 * `operations` channel carrying the scope (and creator) the relay filters each listener by.
 */
export async function publishOperationEvent(
  deps: Pick<OperationDeps, 'publisher'>,
  op: PublishedOperation,
  type: EventType,
  message: string,
  extra: EventExtra = {},
): Promise<void> {
  await deps.publisher.publish(op.channel, { type, operationId: op.id, message, ...extra });
  if (op.channel === channels.operations()) return;
  await deps.publisher.publish(channels.operations(), {
    type: 'OPERATION_UPDATE',
    operationId: op.id,
    message,
    stage: extra.stage ?? op.stage ?? undefined,
    percent: extra.percent ?? op.progressPercent,
    detail: {
      kind: op.kind,
      status: op.status,
      scopeType: op.scopeType,
      scopeId: op.scopeId,
      createdBy: op.createdBy ?? null,
      parentId: op.parentId ?? null,
      event: type,
      channel: op.channel,
    },
  });
}
