import { WaitingChildrenError } from 'bullmq';
import type { Operation } from '../db';
import { createOperation } from '../operations/create';
import { publishOperationEvent } from '../operations/publish';
import { stageHost } from '../operations/placement';
import { addStageJob, queueOf } from '../operations/queues';
import { isTerminal } from '../operations/records';
import { retryOperation } from '../operations/retry';
import { contractState } from '../operations/stages';
import { lifecycleDeps, type WorkerEnv } from './env';
import type { ChildOutcome, ChildRequest, ProcessorContext } from './types';

const childPrefix = (parentId: string, key: string) => `child:${parentId}:${key}:`;
const childKey = (parentId: string, key: string, i: number) => `${childPrefix(parentId, key)}${i}`;

function outcome(c: Operation): ChildOutcome {
  return {
    operationId: c.id,
    status: c.status as ChildOutcome['status'],
    result: c.result,
    error: c.error,
    errorCode: c.errorCode,
  };
}

/**
 * Child operations on BullMQ's parent/child primitives: each child is its own Operation
 * (parentId = the parent) whose first job is added with `parent` pointing at the parent's job, so
 * the parent waits in `waiting-children` without holding a worker and runs again when they are
 * done. `ignoreDependencyOnFailure`: a failed or cancelled child does not block the parent; the
 * parent decides from the outcomes. A user retry of the parent (a new generation) queues its
 * failed and cancelled children again; succeeded ones are kept.
 */
export async function runChildren<C>(
  env: WorkerEnv,
  ctx: ProcessorContext<unknown>,
  token: string | undefined,
  key: string,
  requests: ChildRequest<C>[],
): Promise<ChildOutcome[]> {
  const parent = ctx.operation;
  const job = ctx.job;
  const parentRef = { id: String(job.id), queue: job.queueQualifiedName };
  const parentKey = `${job.queueQualifiedName}:${job.id}`;
  const linkOpts = { parent: parentRef, ignoreDependencyOnFailure: true };
  const deps = lifecycleDeps(env);
  const state = contractState(parent);
  const generation = state.generation ?? 0;
  const retryFailed = (state.childRounds?.[key] ?? 0) < generation;

  const existing = await env.prisma.operation.findMany({
    where: { parentId: parent.id, dedupeKey: { startsWith: childPrefix(parent.id, key) } },
  });
  const byKey = new Map(existing.map((c) => [c.dedupeKey, c]));
  let linked = 0;
  let unlinked = 0;
  for (let i = 0; i < requests.length; i++) {
    const req = requests[i];
    const child = byKey.get(childKey(parent.id, key, i));
    if (!child) {
      const payload = req.def.payload.parse(req.payload);
      const created = await createOperation(env.prisma, req.def, payload, {
        hostId: await stageHost(req.def, payload, req.def.spec.stages[0], env),
        parentId: parent.id,
        createdBy: parent.createdBy ?? undefined,
        dedupeKey: childKey(parent.id, key, i),
        heldKey: parent.exclusiveKey,
        expiresAt: req.expiresAt,
      });
      await addStageJob(env.queues, env.config, req.def as never, created, req.def.spec.stages[0], linkOpts);
      await publishOperationEvent(env, created, 'ENQUEUED', `Queued ${req.def.kind} for ${parent.kind}`);
      linked++;
    } else if (!isTerminal(child.status)) {
      const j = await queueOf(env.queues, child).getJob(child.id);
      if (!j) {
        await addStageJob(env.queues, env.config, req.def as never, child, req.def.spec.stages[0], linkOpts);
        linked++;
      } else if (j.parentKey === parentKey) linked++;
      else unlinked++;
    } else if (retryFailed && child.status !== 'succeeded') {
      await retryOperation(deps, child.id, linkOpts);
      linked++;
    }
  }
  if (retryFailed) {
    await ctx.saveCheckpoint({
      _arkive: {
        ...contractState({ checkpoint: ctx.checkpoint as never }),
        childRounds: { ...state.childRounds, [key]: generation },
      },
    });
  }
  const all = (
    await env.prisma.operation.findMany({
      where: { parentId: parent.id, dedupeKey: { startsWith: childPrefix(parent.id, key) } },
    })
  ).sort((a, b) => Number(a.dedupeKey?.split(':').pop()) - Number(b.dedupeKey?.split(':').pop()));
  const active = all.filter((c) => !isTerminal(c.status));
  if (active.length === 0) return all.map(outcome);

  const message = `Waiting for ${active.length} of ${all.length} child operations`;
  await env.prisma.operation.update({ where: { id: parent.id }, data: { currentOperation: message } });
  if (linked > 0 && unlinked === 0 && token && (await job.moveToWaitingChildren(token)))
    throw new WaitingChildrenError();
  // Children that finished between our read and BullMQ's check, or that belong to an earlier job
  // of this operation: look again shortly.
  return ctx.postpone(unlinked > 0 ? 2000 : 300, message);
}
