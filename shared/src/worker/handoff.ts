import { UnrecoverableError } from 'bullmq';
import { overallPercent, type StageSpec } from '../contracts/kinds';
import { errorMessage } from '../errors';
import { endWithoutWorker } from '../operations/end';
import { publishOperationEvent } from '../operations/publish';
import { stageHost } from '../operations/placement';
import { addStageJob } from '../operations/queues';
import { appendLog } from '../operations/records';
import { lifecycleDeps, type WorkerEnv } from './env';
import type { ProcessorContext } from './types';

/**
 * A segment finished and the kind's next stage runs on another queue: the row moves to `queued`
 * on that queue first (guarded: only from this segment), then the next stage's job is added
 * (jobId = operation id there too). A worker that dies between the two leaves a queued operation
 * without a job, which the reaper ends JOB_LOST (retryable) — never two segments running at once.
 * A cancel that arrived as the segment ended is honoured here, with the kind's clean-up.
 */
export async function handOff(
  env: WorkerEnv,
  ctx: ProcessorContext<unknown>,
  next: StageSpec,
  committed: boolean,
): Promise<{ handedOff: string }> {
  const id = ctx.operation.id;
  const row = await env.prisma.operation.findUniqueOrThrow({ where: { id } });
  if (row.cancelRequestedAt && !committed) {
    await endWithoutWorker(lifecycleDeps(env), row, 'cancelled', {
      message: `Cancelled before: ${next.label}`,
      code: 'CANCELLED',
    });
    throw new UnrecoverableError('Cancelled by request');
  }
  const message = `Waiting for: ${next.label}`;
  const hostId = await stageHost(ctx.def, row.input, next, env);
  const { count } = await env.prisma.operation.updateMany({
    where: { id, status: 'running', queue: env.queue },
    data: {
      status: 'queued',
      queue: next.queue,
      hostId,
      stage: next.name,
      progressPercent: Math.max(ctx.report.currentPercent, overallPercent(ctx.def.spec, next.name, 0) ?? 0),
      currentOperation: message,
    },
  });
  if (count === 0) return { handedOff: next.name };
  for (let tries = 1; ; tries++) {
    try {
      await addStageJob(env.queues, env.config, ctx.def as never, { ...row, hostId }, next);
      break;
    } catch (err) {
      if (tries < 3) {
        await new Promise((r) => setTimeout(r, 1000 * tries));
        continue;
      }
      const queued = await env.prisma.operation.findUniqueOrThrow({ where: { id } });
      await endWithoutWorker(lifecycleDeps(env), queued, 'failed', {
        message: `Could not queue the next stage (${next.label}): ${errorMessage(err)}. Retry it to continue from there.`,
        code: 'QUEUE_UNAVAILABLE',
      });
      throw new UnrecoverableError(errorMessage(err));
    }
  }
  await appendLog(env.prisma, id, 'INFO', message);
  const op = await env.prisma.operation.findUniqueOrThrow({ where: { id } });
  await publishOperationEvent(env, op, 'STATUS', message, { stage: next.name, percent: op.progressPercent });
  return { handedOff: next.name };
}
