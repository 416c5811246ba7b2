import { Queue, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import type { StageSpec } from '../contracts/kinds';
import { ConflictError } from '../errors';
import type { Operation } from '../db';
import { stageJobOptions, type JobKind } from '../queues/define';
import { placedQueue } from './placement';

export interface QueueProvider {
  get(name: string): Queue;
  closeAll(): Promise<void>;
}

export function bullPrefix(redisPrefix: string): string {
  return `${redisPrefix}bull`;
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

/** The BullMQ queue holding the job of the operation's current stage. */
export function queueOf(queues: QueueProvider, op: Pick<Operation, 'queue' | 'hostId'>): Queue {
  return queues.get(placedQueue(op.queue, op.hostId));
}

/**
 * Adds the BullMQ job that runs `stage` (and the rest of its queue segment) of an operation:
 * job name = kind, jobId = operation id on every queue, data = the operation's validated input,
 * on the queue of the operation's host (`<queue>@<hostId>`, placement.ts).
 * A finished job of the same id left on that queue (an earlier run) is removed first.
 */
export async function addStageJob(
  queues: QueueProvider,
  config: Config,
  def: JobKind<unknown, unknown>,
  op: Pick<Operation, 'id' | 'input' | 'hostId'>,
  stage: StageSpec,
  extra: Omit<JobsOptions, 'jobId'> = {},
): Promise<Job> {
  const queue = queues.get(placedQueue(stage.queue, op.hostId));
  await clearJob(queue, op.id);
  const startedAt = Date.now();
  const job = await queue.add(def.kind, op.input, {
    ...stageJobOptions(def, config, stage),
    ...extra,
    jobId: op.id,
  });
  if (job.timestamp < startedAt - 1000)
    throw new ConflictError('OPERATION_BUSY', 'Its previous run is still finishing; try again in a moment');
  return job;
}

/**
 * Removes an earlier job of the operation from a queue, waiting while a worker still holds it: a
 * worker finishes the operation's row just before BullMQ marks its job done, and a retry in that
 * moment must not add nothing (same job id) or be undone by the old job's failure.
 */
export async function clearJob(queue: Queue, jobId: string, waitMs = 10_000): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await removeIdleJob(queue, jobId))) {
    if (Date.now() > deadline)
      throw new ConflictError('OPERATION_BUSY', 'Its previous run is still finishing; try again in a moment');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Removes the operation's job from a queue unless a worker holds it; true when none is left. */
export async function removeIdleJob(queue: Queue, jobId: string): Promise<boolean> {
  const job = await queue.getJob(jobId);
  if (!job) return true;
  if ((await job.getState()) === 'active') return false;
  return job.remove().then(
    () => true,
    () => false,
  );
}
