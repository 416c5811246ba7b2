import type { Config } from '../config';
import type { Operation } from '../db';
import { ConflictError } from '../errors';
import { findJobKind } from '../queues';
import { endWithoutWorker } from './end';
import { publishOperationEvent, type OperationDeps } from './publish';
import { queueOf, removeIdleJob, type QueueProvider } from './queues';
import { ACTIVE_STATUSES, getOperation, isTerminal } from './records';
import { contractState, stageOf } from './stages';

export type LifecycleDeps = OperationDeps & { queues: QueueProvider; config: Config };

/**
 * Cancel, for every kind and stage: refused once a point-of-no-return stage began; a waiting job
 * (on whichever queue its current stage runs) is removed and the operation ends `cancelled` at
 * once with its kind's clean-up; a running one is marked and its worker stops at its next check
 * (at least every second). Children are cancelled with their parent.
 */
export async function requestCancel(deps: LifecycleDeps, id: string): Promise<Operation> {
  const op = await getOperation(deps.prisma, id);
  if (isTerminal(op.status))
    throw new ConflictError('OPERATION_FINISHED', `Operation ${id} already ${op.status}`);
  const def = findJobKind(op.kind);
  const committed = contractState(op).committed;
  if (committed) {
    const label = (def && stageOf(def, committed)?.label) ?? committed;
    throw new ConflictError(
      'OPERATION_PAST_CANCEL',
      `This ${op.kind} is past the point of no return (${label}) and will run to its end`,
    );
  }
  const current = def && op.status === 'running' ? stageOf(def, op.stage) : undefined;
  if (current?.uncancellable)
    throw new ConflictError(
      'OPERATION_PAST_CANCEL',
      `This ${op.kind} is in a step that cannot be stopped (${current.label}); it finishes in a moment`,
    );
  const marked = await deps.prisma.operation.update({
    where: { id },
    data: { cancelRequestedAt: op.cancelRequestedAt ?? new Date() },
  });
  const children = await deps.prisma.operation.findMany({
    where: { parentId: id, status: { in: [...ACTIVE_STATUSES] } },
    select: { id: true },
  });
  for (const child of children) await requestCancel(deps, child.id).catch(() => undefined);
  if (op.status === 'queued' && (await removeIdleJob(queueOf(deps.queues, op), id))) {
    const done = await endWithoutWorker(deps, marked, 'cancelled', {
      message: 'Cancelled before it started',
      code: 'CANCELLED',
    });
    if (done) return done;
  }
  await publishOperationEvent(deps, marked, 'STATUS', 'Cancellation requested');
  return marked;
}
