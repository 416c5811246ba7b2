import type { JobsOptions } from 'bullmq';
import { overallPercent } from '../contracts/kinds';
import type { Operation } from '../db';
import { ConflictError } from '../errors';
import { Prisma } from '../generated/prisma/client';
import { findJobKind } from '../queues';
import type { LifecycleDeps } from './cancel';
import { publishOperationEvent } from './publish';
import { placedQueue, stageHost } from './placement';
import { addStageJob, clearJob } from './queues';
import { appendLog, getOperation, isUniqueViolation } from './records';
import { contractState, resumeStage } from './stages';

/** Where a retry of this finished operation would start, or null when it cannot be retried. */
export async function retryStageOf(
  deps: Pick<LifecycleDeps, 'config'>,
  op: Operation,
): Promise<string | null> {
  if (op.status !== 'failed' && op.status !== 'cancelled' && op.status !== 'expired') return null;
  const def = findJobKind(op.kind);
  if (!def) return null;
  return resumeStage(def, op, deps.config).then(
    (s) => s.name,
    () => null,
  );
}

/**
 * A user retry of a failed, cancelled or expired operation: same id, attempts reset, queued again
 * at the stage its kind says it can resume from (the failed stage or the nearest earlier one).
 */
export async function retryOperation(
  deps: LifecycleDeps,
  id: string,
  jobOptions: Omit<JobsOptions, 'jobId'> = {},
): Promise<Operation> {
  const op = await getOperation(deps.prisma, id);
  if (op.status !== 'failed' && op.status !== 'cancelled' && op.status !== 'expired') {
    throw new ConflictError(
      'OPERATION_NOT_RETRYABLE',
      `Only failed, cancelled or expired operations can be retried; this one is ${op.status}`,
    );
  }
  const def = findJobKind(op.kind);
  if (!def)
    throw new ConflictError('OPERATION_NOT_RETRYABLE', `Operations of kind ${op.kind} cannot be retried`);
  const stage = await resumeStage(def, op, deps.config);
  const first = stage.name === def.spec.stages[0].name;
  // A new generation: children that failed or were cancelled are queued again by the parent.
  const contract = { ...contractState(op), generation: (contractState(op).generation ?? 0) + 1 };
  const kept = first ? {} : ((op.checkpoint as Record<string, unknown> | null) ?? {});
  const checkpoint = { ...kept, _arkive: contract } as Prisma.InputJsonValue;
  // Old jobs first (see clearJob), so that nothing of the last run can act on the retried row.
  const hostId = await stageHost(def, op.input, stage, deps);
  const physical = new Set(def.spec.stages.map((s) => placedQueue(s.queue, op.hostId)));
  physical.add(placedQueue(stage.queue, hostId));
  for (const q of physical) await clearJob(deps.queues.get(q), id);
  let updated: Operation;
  try {
    updated = await deps.prisma.operation.update({
      where: { id },
      data: {
        status: 'queued',
        queue: stage.queue,
        hostId,
        stage: stage.name,
        attempt: 0,
        error: null,
        errorCode: null,
        cancelRequestedAt: null,
        finishedAt: null,
        expiresAt: null,
        progressPercent: overallPercent(def.spec, stage.name, 0) ?? 0,
        currentOperation: first ? 'Queued for retry' : `Queued for retry at: ${stage.label}`,
        result: Prisma.DbNull,
        // Starting over drops what earlier stages carried forward (but not the contract's own state).
        checkpoint,
      },
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new ConflictError(
        'OPERATION_ACTIVE',
        `Another operation is already active for ${op.scopeType} ${op.scopeId}`,
      );
    throw err;
  }
  await addStageJob(deps.queues, deps.config, def, updated, stage, jobOptions);
  await appendLog(deps.prisma, id, 'INFO', `Retry requested; attempts reset; starting at: ${stage.label}`);
  await publishOperationEvent(deps, updated, 'ENQUEUED', `Queued again for retry (from: ${stage.label})`, {
    stage: stage.name,
    percent: updated.progressPercent,
  });
  return updated;
}
