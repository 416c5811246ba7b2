import { DelayedError, UnrecoverableError, WaitingChildrenError, type Job } from 'bullmq';
import { segmentOf, stageIndex, type StageSpec } from '../contracts/kinds';
import { COPY_KIND_NAMES, copiesWaitingFor } from '../copies/gate';
import { runExists } from '../runs';
import type { Operation } from '../db';
import { CancelledError, ShutdownError } from '../errors';
import { placedQueue } from '../operations/placement';
import { endWithoutWorker } from '../operations/end';
import { appendLog, finishOperation, isTerminal, saveCheckpoint } from '../operations/records';
import { publishOperationEvent } from '../operations/publish';
import { rollUpParent } from '../operations/rollup';
import { contractState, resumeStage } from '../operations/stages';
import { OperationReporter } from '../reporter';
import { runChildren } from './children';
import { lifecycleDeps, type WorkerEnv } from './env';
import { handleFailure } from './failure';
import { handOff } from './handoff';
import type { ProcessorContext } from './types';
import { startWatchers } from './watchers';

/** How often work held back by pending copies into its run looks again. */
export const COPY_GATE_RETRY_MS = 1000;

function payloadProblem(issues: { path: PropertyKey[]; message: string }[]): string {
  return `Invalid job payload: ${issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ')}`;
}

/** Ends an operation whose job cannot run at all (no processor, bad payload); BullMQ fails the job once. */
async function refuse(env: WorkerEnv, op: Operation, code: string, message: string): Promise<never> {
  await endWithoutWorker(lifecycleDeps(env), op, 'failed', { message, code });
  throw new UnrecoverableError(message);
}

/**
 * One BullMQ job = one run of a queue segment of an operation: load the row, check the processor
 * and the payload (an operation whose job cannot run ends `failed`, never stays `queued`), claim,
 * run the processor from the stage it must start at, then hand off to the next segment or finish
 * with exactly one terminal event.
 */
export async function runJob(env: WorkerEnv, job: Job, token: string | undefined): Promise<unknown> {
  const id = String(job.id);
  let op = await env.prisma.operation.findUnique({ where: { id } });
  if (!op) throw new UnrecoverableError(`Operation ${id} does not exist`);
  if (isTerminal(op.status)) {
    // A stale re-run (e.g. a stalled job after the reaper ended it): never a second terminal event.
    if (op.status === 'succeeded') return op.result;
    throw new UnrecoverableError(`Operation already ${op.status}`);
  }
  if (op.queue === env.queue && job.queueName !== placedQueue(op.queue, op.hostId)) {
    // A job left on another host's queue (the operation was placed elsewhere since): not ours to run.
    env.logger.warn({ operationId: id, queue: job.queueName, hostId: op.hostId }, 'misplaced job skipped');
    return { misplaced: job.queueName };
  }
  const reg = env.processors.get(job.name);
  if (!reg)
    return refuse(env, op, 'NO_PROCESSOR', `No processor for job kind ${job.name} on queue ${env.queue}`);
  const parsed = reg.def.payload.safeParse(job.data);
  if (!parsed.success) return refuse(env, op, 'INVALID_PAYLOAD', payloadProblem(parsed.error.issues));
  const segment = segmentOf(reg.def.spec, reg.segment);
  if (stageIndex(reg.def.spec, op.stage) > stageIndex(reg.def.spec, segment.at(-1)?.name)) {
    // A leftover of a segment that already handed the operation on (its worker died before BullMQ
    // recorded the job as completed, so it came back as stalled): nothing to do here.
    env.logger.info(
      { operationId: id, queue: env.queue, stage: op.stage },
      'job of a finished segment skipped',
    );
    return { alreadyHandedOff: op.stage };
  }
  if (op.cancelRequestedAt && !contractState(op).committed) {
    await endWithoutWorker(lifecycleDeps(env), op, 'cancelled', {
      message: 'Cancelled before it started',
      code: 'CANCELLED',
    });
    throw new UnrecoverableError('Cancelled by request');
  }

  const def = reg.def;
  if (def.scopeType === 'run' && !COPY_KIND_NAMES.has(def.kind) && token) {
    // Copies into this run apply first (issue 14): its work starts with them in place.
    const waiting = await copiesWaitingFor(env.prisma, op.scopeId);
    if (waiting > 0 && (await runExists(env.config.runsRoot, op.scopeId))) {
      const message = `Waiting for ${waiting} copies into run ${op.scopeId} to be applied first`;
      if (op.currentOperation !== message) {
        const held = await env.prisma.operation.update({
          where: { id },
          data: { currentOperation: message },
        });
        await publishOperationEvent(env, held, 'STATUS', message);
      }
      await job.moveToDelayed(Date.now() + COPY_GATE_RETRY_MS, token);
      throw new DelayedError();
    }
  }
  const start = await resumeStage(def, op, env.config, { within: env.queue });
  // BullMQ runs a job again after its worker died (lock expired) without counting an attempt.
  const stalled = (job.stalledCounter ?? 0) > 0 || (op.status === 'running' && op.queue === env.queue);
  const attempt = job.attemptsMade + 1;
  const maxAttempts = job.opts.attempts ?? 1;
  op = await env.prisma.operation.update({
    where: { id },
    data: {
      status: 'running',
      queue: env.queue,
      stage: start.name,
      attempt,
      maxAttempts,
      startedAt: op.startedAt ?? new Date(),
      heartbeatAt: new Date(),
      error: null,
      errorCode: null,
    },
  });

  const ctrl = new AbortController();
  env.active.set(id, ctrl);
  const state = { committed: contractState(op).committed !== undefined, uncancellable: false };
  const startIndex = stageIndex(def.spec, start.name);
  const report = new OperationReporter(
    { prisma: env.prisma, publisher: env.publisher, redis: env.redis, logger: env.logger },
    op,
    {
      spec: def.spec,
      beforeStage: async (stage) => {
        const spec = def.spec.stages.find((s) => s.name === stage);
        if (spec) state.uncancellable = spec.uncancellable === true;
        if (spec?.pointOfNoReturn && !state.committed) {
          // Decided before the stage does anything: from here the operation runs to its end.
          state.committed = true;
          await saveCheckpoint(env.prisma, id, { _arkive: { ...contractState(op), committed: stage } });
        }
      },
      afterStage: async (stage) => {
        await env.faults?.onStage?.(stage, ctx);
      },
    },
  );
  const resumed = start.name !== segment[0]?.name ? ` at: ${start.label}` : '';
  const started = stalled
    ? `The worker running this stopped without finishing (killed or crashed); resuming at: ${start.label} (attempt ${attempt} of ${maxAttempts})`
    : attempt > 1
      ? `Started${resumed} (attempt ${attempt} of ${maxAttempts})`
      : `Started${resumed}`;
  const stopWatchers = startWatchers(env, id, ctrl, () => state.committed || state.uncancellable);
  const logger = env.logger.child({ operationId: id, kind: def.kind, scopeId: op.scopeId });
  const ctx: ProcessorContext<unknown> = {
    payload: parsed.data,
    operation: op,
    job,
    def,
    startStage: start.name,
    runsStage: (stage) => stageIndex(def.spec, stage) >= startIndex,
    enterStage: (stage, message) => {
      if (!segment.some((s) => s.name === stage))
        throw new Error(`Stage ${stage} is not part of ${def.kind}'s ${env.queue} segment`);
      return report.setStage(stage, message);
    },
    checkpoint: (op.checkpoint as Record<string, unknown> | null) ?? {},
    saveCheckpoint: async (patch) => {
      ctx.checkpoint = await saveCheckpoint(env.prisma, id, patch);
    },
    signal: ctrl.signal,
    report,
    throwIfStopped: () => {
      if (ctrl.signal.aborted) throw ctrl.signal.reason;
    },
    config: env.config,
    prisma: env.prisma,
    redis: env.redis,
    logger,
    postpone: async (delayMs, message) => {
      if (!token) throw new Error('postpone needs a job token');
      await report.flush();
      const queued = await env.prisma.operation.update({
        where: { id },
        data: { status: 'queued', currentOperation: message.slice(0, 500) },
      });
      await publishOperationEvent(env, queued, 'STATUS', message);
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    },
    runChildren: (key, children) => runChildren(env, ctx, token, key, children),
  };

  try {
    // The run enters its start stage itself (stage hooks fire even when a processor reports only progress).
    await report.setStage(start.name, started, undefined, stalled ? 'WARNING' : 'INFO');
    const out = await reg.process(ctx);
    await report.flush();
    const last = segment.at(-1) as StageSpec;
    const next = def.spec.stages[stageIndex(def.spec, last.name) + 1];
    if (next) return await handOff(env, ctx, next, state.committed);
    // The work is done: a cancel that arrived too late to stop it does not turn it into `cancelled`.
    const result = def.result.parse(out);
    const done = await finishOperation(env.prisma, id, 'succeeded', {
      result,
      currentOperation: 'Completed',
    });
    if (done) {
      await appendLog(env.prisma, id, 'INFO', 'Completed');
      await publishOperationEvent(env, done, def.completeEvent, 'Completed', {
        percent: 100,
        detail: result,
      });
      if (done.parentId) await rollUpParent(env, done.parentId);
    }
    return result;
  } catch (raw) {
    if (raw instanceof DelayedError || raw instanceof WaitingChildrenError) throw raw;
    await report.flush().catch(() => undefined);
    // A processor that stops because it was aborted may throw something else (AbortError, EPIPE…).
    const err =
      ctrl.signal.aborted && !(raw instanceof CancelledError || raw instanceof ShutdownError)
        ? ctrl.signal.reason
        : raw;
    return await handleFailure(env, {
      job,
      token,
      ctx,
      err,
      attempt,
      maxAttempts,
      committed: state.committed,
    });
  } finally {
    stopWatchers();
    env.active.delete(id);
  }
}
