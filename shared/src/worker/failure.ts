import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { CancelledError, classifyError, errorCode, errorMessage, ShutdownError } from '../errors';
import { endWithoutWorker } from '../operations/end';
import { publishOperationEvent } from '../operations/publish';
import { appendLog, finishOperation } from '../operations/records';
import { rollUpParent } from '../operations/rollup';
import { resumeStage } from '../operations/stages';
import { lifecycleDeps, type WorkerEnv } from './env';
import type { ProcessorContext } from './types';

export interface FailureInput {
  job: Job;
  token?: string;
  ctx: ProcessorContext<unknown>;
  err: unknown;
  attempt: number;
  maxAttempts: number;
  committed: boolean;
}

/**
 * What a thrown error means for the operation, in one place for every kind and stage:
 * cancelled → the kind's clean-up, `cancelled`, and a failed BullMQ job (bull-board shows why);
 * worker shutdown → back to the queue without using an attempt; transient with attempts left →
 * `queued` and BullMQ retries with backoff (from the stage the kind can resume at); anything else →
 * `failed` with its code, one EXCEPTION event.
 */
export async function handleFailure(env: WorkerEnv, f: FailureInput): Promise<never> {
  const { job, token, ctx, err, attempt, maxAttempts } = f;
  const op = ctx.operation;
  const id = op.id;
  const message = errorMessage(err);
  if (err instanceof CancelledError && !f.committed) {
    const row = await env.prisma.operation.findUniqueOrThrow({ where: { id } });
    await endWithoutWorker(lifecycleDeps(env), row, 'cancelled', { message, code: 'CANCELLED' });
    throw new UnrecoverableError(`Cancelled: ${message}`);
  }
  if (err instanceof ShutdownError && token) {
    const released = await env.prisma.operation.update({
      where: { id },
      data: { status: 'queued', currentOperation: 'Released by a stopping worker; will resume' },
    });
    await appendLog(env.prisma, id, 'WARNING', 'Worker shutting down; job released to the queue');
    await publishOperationEvent(
      env,
      released,
      'STATUS',
      'Worker shutting down; the job will resume on another worker',
    );
    await job.moveToDelayed(Date.now() + 500, token);
    throw new DelayedError();
  }
  const code = errorCode(err);
  if (classifyError(err) === 'transient' && attempt < maxAttempts) {
    const row = await env.prisma.operation.findUniqueOrThrow({ where: { id } });
    const from = await resumeStage(ctx.def, row, env.config, { within: env.queue }).catch(() => undefined);
    const retrying = await env.prisma.operation.update({
      where: { id },
      data: {
        status: 'queued',
        error: message,
        errorCode: code,
        currentOperation: `Attempt ${attempt} of ${maxAttempts} failed; retrying`,
      },
    });
    const line = `Attempt ${attempt} of ${maxAttempts} failed (${message}); retrying${from ? ` from: ${from.label}` : ''}`;
    await appendLog(env.prisma, id, 'WARNING', line);
    await publishOperationEvent(env, retrying, 'STATUS', line, { detail: { code, willRetry: true } });
    throw err instanceof Error ? err : new Error(message);
  }
  const final =
    classifyError(err) === 'transient' && maxAttempts > 1
      ? `${message} (gave up after ${attempt} attempts)`
      : message;
  const done = await finishOperation(env.prisma, id, 'failed', {
    error: final,
    errorCode: code,
    currentOperation: 'Failed',
  });
  if (done) {
    await appendLog(env.prisma, id, 'ERROR', final);
    await publishOperationEvent(env, done, 'EXCEPTION', final, {
      stage: done.stage ?? undefined,
      detail: { code, stage: done.stage, willRetry: false },
    });
    if (done.parentId) await rollUpParent(env, done.parentId);
  }
  throw new UnrecoverableError(final);
}
