import { DelayedError, type Job, type JobsOptions, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from './config';
import type { Operation, PrismaClient } from './db';
import { CancelledError, classifyError, errorCode, errorMessage, ShutdownError } from './errors';
import { EventPublisher } from './events';
import { createLogger, type Logger } from './logger';
import { bullPrefix, finishOperation, isTerminal, publishOperationEvent, appendLog } from './operations';
import type { JobKind } from './queues/define';
import { OperationReporter } from './reporter';

export interface ProcessorContext<P> {
  payload: P;
  operation: Operation;
  job: Job;
  /** Aborted when the operation is cancelled (reason: CancelledError) or the worker shuts down (ShutdownError). */
  signal: AbortSignal;
  report: OperationReporter;
  /** Throws CancelledError/ShutdownError if the job must stop now. Call between steps. */
  throwIfStopped(): void;
  config: Config;
  prisma: PrismaClient;
  redis: Redis;
  logger: Logger;
  /**
   * Ends this stage without finishing the Operation: it goes back to `queued` on `next.queue` and
   * `next` is added there (its jobId must be `<operationId>.<stage>`). Return the value from the processor.
   */
  handOff(next: HandOffTarget): HandedOff;
  /**
   * Puts the job back to wait (`queued`, `message` as current operation) and runs it again after
   * `delayMs` without using an attempt. Throws; call it as `throw await ctx.postpone(...)` or just await it.
   */
  postpone(delayMs: number, message: string): Promise<never>;
  /** From now on a cancel request no longer stops this job (e.g. once the source is being deleted). */
  commit(): void;
}

export interface HandOffTarget {
  queue: string;
  /** Job kind (BullMQ job name) of the next stage. */
  kind: string;
  jobId: string;
  payload: unknown;
  opts?: Omit<JobsOptions, 'jobId'>;
  message: string;
  /** Merged into the Operation's result so far (kept if a later stage fails). */
  partialResult?: Record<string, unknown>;
}

const HANDED_OFF = Symbol('arkive.handedOff');
export interface HandedOff {
  [HANDED_OFF]: HandOffTarget;
}
function isHandedOff(v: unknown): v is HandedOff {
  return typeof v === 'object' && v !== null && HANDED_OFF in v;
}

/** Job ids are the operation id, or `<operationId>.<stage>` for later stages of the same operation. */
export function operationIdOfJob(jobId: string): string {
  const m = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.[A-Za-z0-9_-]+$/i.exec(jobId);
  return m ? m[1] : jobId;
}

export type Processor<P, R> = (ctx: ProcessorContext<P>) => Promise<R | HandedOff>;

export interface ProcessorRegistration<P = unknown, R = unknown> {
  def: JobKind<P, R>;
  process: Processor<P, R>;
}

export function registerProcessor<P, R>(def: JobKind<P, R>, process: Processor<P, R>): ProcessorRegistration {
  return { def, process } as unknown as ProcessorRegistration;
}

export interface BaseWorkerOptions {
  queue: string;
  processors: ProcessorRegistration[];
  config: Config;
  prisma: PrismaClient;
  connection: Redis;
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  cancelPollMs?: number;
  logger?: Logger;
}

/**
 * Wires a BullMQ Worker to the job contract: validates the payload again, claims the
 * Operation, heartbeats, polls for cancellation, reports through OperationReporter and ends
 * with exactly one terminal event. Processors just do the work and throw on failure.
 */
export class BaseWorker {
  readonly worker: Worker;
  private readonly processors = new Map<string, ProcessorRegistration>();
  private readonly publisher: EventPublisher;
  private readonly logger: Logger;
  private readonly active = new Map<string, AbortController>();
  private readonly committed = new Set<string>();
  private readonly handOffQueues = new Map<string, Queue>();
  private closing = false;

  constructor(private readonly opts: BaseWorkerOptions) {
    this.logger = opts.logger ?? createLogger(`worker:${opts.queue}`, opts.config.logLevel);
    for (const reg of opts.processors) {
      if (reg.def.queue !== opts.queue)
        throw new Error(`Job kind ${reg.def.kind} runs on queue ${reg.def.queue}, not ${opts.queue}`);
      if (this.processors.has(reg.def.kind)) throw new Error(`Job kind ${reg.def.kind} has two processors`);
      this.processors.set(reg.def.kind, reg);
    }
    if (this.processors.size === 0) throw new Error(`Queue ${opts.queue} has no processors`);
    this.publisher = new EventPublisher(opts.connection, opts.config.redisPrefix);
    this.worker = new Worker(opts.queue, (job, token) => this.process(job, token), {
      connection: opts.connection,
      prefix: bullPrefix(opts.config.redisPrefix),
      concurrency: opts.concurrency ?? 1,
      lockDuration: opts.lockDurationMs ?? 30000,
      stalledInterval: opts.stalledIntervalMs ?? 30000,
      maxStalledCount: 2,
      autorun: false,
    });
    this.worker.on('error', (err) => this.logger.error({ err }, 'worker error'));
  }

  /** Fails when a kind of this queue in the registry has no processor. */
  assertCovers(kinds: JobKind<unknown, unknown>[]): void {
    const missing = kinds
      .filter((k) => k.queue === this.opts.queue && !this.processors.has(k.kind))
      .map((k) => k.kind);
    if (missing.length) throw new Error(`Queue ${this.opts.queue}: no processor for ${missing.join(', ')}`);
  }

  start(): void {
    void this.worker.run().catch((err: unknown) => this.logger.error({ err }, 'worker stopped'));
  }

  async waitUntilReady(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  /**
   * Graceful shutdown: stop taking jobs, let the current ones finish for up to `graceMs`, then
   * release them (they go back to the queue for another worker without losing an attempt).
   */
  async close(graceMs = this.opts.config.shutdownGraceSeconds * 1000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const closing = this.worker.close();
    const timer = setTimeout(() => {
      for (const ctrl of this.active.values()) ctrl.abort(new ShutdownError());
    }, graceMs);
    try {
      await closing;
    } finally {
      clearTimeout(timer);
      await Promise.all([...this.handOffQueues.values()].map((q) => q.close().catch(() => undefined)));
    }
  }

  private async process(job: Job, token?: string): Promise<unknown> {
    const reg = this.processors.get(job.name);
    if (!reg)
      throw new UnrecoverableError(`No processor for job kind ${job.name} on queue ${this.opts.queue}`);
    const { prisma, config } = this.opts;
    const deps = { prisma, publisher: this.publisher, logger: this.logger };
    const id = operationIdOfJob(job.id as string);
    let operation = await prisma.operation.findUnique({ where: { id } });
    if (!operation) throw new UnrecoverableError(`Operation ${id} does not exist`);
    const channel = reg.def.channel(job.data as never, id);
    const parsed = reg.def.payload.safeParse(job.data);
    if (!parsed.success) {
      const msg = `Invalid job payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
      const done = await finishOperation(prisma, id, 'failed', { error: msg, errorCode: 'INVALID_PAYLOAD' });
      if (done) await publishOperationEvent(deps, done, channel, 'EXCEPTION', msg);
      throw new UnrecoverableError(msg);
    }
    if (isTerminal(operation.status)) return operation.result; // already finished: never a second terminal event
    if (operation.cancelRequestedAt) {
      const done = await finishOperation(prisma, id, 'cancelled', {
        error: 'Cancelled by request',
        errorCode: 'CANCELLED',
      });
      if (done) await publishOperationEvent(deps, done, channel, 'CANCELLED', 'Cancelled before it started');
      return { cancelled: true };
    }
    const attempt = job.attemptsMade + 1;
    operation = await prisma.operation.update({
      where: { id },
      data: {
        status: 'running',
        attempt,
        startedAt: operation.startedAt ?? new Date(),
        heartbeatAt: new Date(),
        error: null,
        errorCode: null,
      },
    });
    const ctrl = new AbortController();
    this.active.set(id, ctrl);
    const report = new OperationReporter({ ...deps, redis: this.opts.connection }, operation, channel);
    await report.status(
      attempt > 1 ? `Started (attempt ${attempt} of ${job.opts.attempts ?? 1})` : 'Started',
    );
    const timers = this.startWatchers(id, ctrl);
    const ctx: ProcessorContext<unknown> = {
      payload: parsed.data,
      operation,
      job,
      signal: ctrl.signal,
      report,
      throwIfStopped: () => {
        if (ctrl.signal.aborted) throw ctrl.signal.reason;
      },
      config,
      prisma,
      redis: this.opts.connection,
      logger: this.logger.child({ operationId: id, kind: reg.def.kind, scopeId: operation.scopeId }),
      handOff: (next) => ({ [HANDED_OFF]: next }),
      postpone: async (delayMs, message) => {
        if (!token) throw new Error('postpone needs a job token');
        await report.flush();
        const op = await prisma.operation.update({
          where: { id },
          data: { status: 'queued', currentOperation: message.slice(0, 500) },
        });
        await publishOperationEvent(deps, op, channel, 'STATUS', message);
        await job.moveToDelayed(Date.now() + delayMs, token);
        throw new DelayedError();
      },
      commit: () => {
        this.committed.add(id);
      },
    };
    try {
      const out = await reg.process(ctx);
      if (isHandedOff(out)) return await this.handOffTo(id, channel, out[HANDED_OFF], report, deps);
      const result = reg.def.result.parse(out);
      if (!this.committed.has(id)) ctx.throwIfStopped();
      await report.flush();
      const done = await finishOperation(prisma, id, 'succeeded', { result, currentOperation: 'Completed' });
      if (done) {
        await appendLog(prisma, id, 'INFO', 'Completed');
        await publishOperationEvent(deps, done, channel, reg.def.completeEvent, 'Completed', {
          percent: 100,
          detail: result,
        });
      }
      return result;
    } catch (rawErr) {
      if (rawErr instanceof DelayedError) throw rawErr;
      await report.flush().catch(() => undefined);
      const err =
        ctrl.signal.aborted && !(rawErr instanceof CancelledError || rawErr instanceof ShutdownError)
          ? ctrl.signal.reason
          : rawErr;
      return this.handleFailure({ job, token, id, channel, err, attempt, deps });
    } finally {
      for (const t of timers) clearInterval(t);
      this.active.delete(id);
      this.committed.delete(id);
    }
  }

  /** The Operation waits (queued) for its next stage on another queue; no terminal event. */
  private async handOffTo(
    id: string,
    channel: string,
    next: HandOffTarget,
    report: OperationReporter,
    deps: { prisma: PrismaClient; publisher: EventPublisher },
  ): Promise<unknown> {
    const { prisma } = this.opts;
    if (operationIdOfJob(next.jobId) !== id || next.jobId === id)
      throw new Error(`Hand-off job id must be ${id}.<stage>, got ${next.jobId}`);
    await report.flush();
    const current = await prisma.operation.findUnique({ where: { id }, select: { result: true } });
    const result = next.partialResult
      ? { ...((current?.result as Record<string, unknown> | null) ?? {}), ...next.partialResult }
      : undefined;
    const { count } = await prisma.operation.updateMany({
      where: { id, status: 'running' },
      data: {
        status: 'queued',
        queue: next.queue,
        currentOperation: next.message.slice(0, 500),
        ...(result ? { result: result as never } : {}),
      },
    });
    if (count === 0) return { handedOff: false };
    let q = this.handOffQueues.get(next.queue);
    if (!q) {
      q = new Queue(next.queue, {
        connection: this.opts.connection,
        prefix: bullPrefix(this.opts.config.redisPrefix),
      });
      this.handOffQueues.set(next.queue, q);
    }
    try {
      await q.add(next.kind, next.payload, {
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 1000 },
        ...next.opts,
        jobId: next.jobId,
      });
    } catch (err) {
      const done = await finishOperation(prisma, id, 'failed', {
        error: `Could not queue the next stage: ${errorMessage(err)}`,
        errorCode: 'QUEUE_UNAVAILABLE',
      });
      if (done)
        await publishOperationEvent(
          deps,
          done,
          channel,
          'EXCEPTION',
          done.error ?? 'Could not queue the next stage',
        );
      throw new UnrecoverableError(errorMessage(err));
    }
    await appendLog(prisma, id, 'INFO', next.message);
    const op = await prisma.operation.findUnique({ where: { id } });
    if (op) await publishOperationEvent(deps, op, channel, 'STATUS', next.message);
    return { handedOff: true, queue: next.queue, jobId: next.jobId };
  }

  private async handleFailure(a: {
    job: Job;
    token?: string;
    id: string;
    channel: string;
    err: unknown;
    attempt: number;
    deps: { prisma: PrismaClient; publisher: EventPublisher };
  }): Promise<unknown> {
    const { job, token, id, channel, err, attempt, deps } = a;
    const { prisma } = this.opts;
    const message = errorMessage(err);
    if (err instanceof CancelledError) {
      const done = await finishOperation(prisma, id, 'cancelled', {
        error: message,
        errorCode: 'CANCELLED',
        currentOperation: 'Cancelled',
      });
      if (done) {
        await appendLog(prisma, id, 'WARNING', `Cancelled: ${message}`);
        await publishOperationEvent(deps, done, channel, 'CANCELLED', message);
      }
      return { cancelled: true };
    }
    if (err instanceof ShutdownError && token) {
      const op = await prisma.operation.update({
        where: { id },
        data: { status: 'queued', currentOperation: 'Released by a stopping worker; will resume' },
      });
      await appendLog(prisma, id, 'WARNING', 'Worker shutting down; job released to the queue');
      await publishOperationEvent(
        deps,
        op,
        channel,
        'STATUS',
        'Worker shutting down; the job will resume on another worker',
      );
      await job.moveToDelayed(Date.now() + 500, token);
      throw new DelayedError();
    }
    const kind = classifyError(err);
    const maxAttempts = job.opts.attempts ?? 1;
    const code = errorCode(err);
    if (kind === 'transient' && attempt < maxAttempts) {
      const op = await prisma.operation.update({
        where: { id },
        data: {
          status: 'queued',
          error: message,
          errorCode: code,
          currentOperation: `Attempt ${attempt} failed; retrying`,
        },
      });
      await appendLog(
        prisma,
        id,
        'WARNING',
        `Attempt ${attempt} of ${maxAttempts} failed: ${message}; retrying`,
      );
      await publishOperationEvent(
        deps,
        op,
        channel,
        'STATUS',
        `Attempt ${attempt} of ${maxAttempts} failed (${message}); retrying`,
      );
      throw err instanceof Error ? err : new Error(message);
    }
    const finalMessage =
      kind === 'transient' && maxAttempts > 1 ? `${message} (gave up after ${attempt} attempts)` : message;
    const done = await finishOperation(prisma, id, 'failed', {
      error: finalMessage,
      errorCode: code,
      currentOperation: 'Failed',
    });
    if (done) {
      await appendLog(prisma, id, 'ERROR', finalMessage);
      await publishOperationEvent(deps, done, channel, 'EXCEPTION', finalMessage, { detail: { code } });
    }
    throw new UnrecoverableError(finalMessage);
  }

  /** Heartbeat and cancellation poll (at least every second). */
  private startWatchers(id: string, ctrl: AbortController): NodeJS.Timeout[] {
    const { prisma, config } = this.opts;
    const heartbeat = setInterval(() => {
      void prisma.operation
        .update({ where: { id }, data: { heartbeatAt: new Date() } })
        .catch(() => undefined);
    }, config.heartbeatSeconds * 1000);
    const cancelPoll = setInterval(() => {
      void prisma.operation
        .findUnique({ where: { id }, select: { cancelRequestedAt: true } })
        .then((row) => {
          if (row?.cancelRequestedAt && !ctrl.signal.aborted && !this.committed.has(id))
            ctrl.abort(new CancelledError());
        })
        .catch(() => undefined);
    }, this.opts.cancelPollMs ?? 500);
    return [heartbeat, cancelPoll];
  }
}

/** Runs a service's workers until SIGTERM/SIGINT, then shuts them down gracefully. */
export function runUntilSignalled(workers: BaseWorker[], cleanup: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void Promise.all(workers.map((w) => w.close()))
      .then(cleanup)
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
