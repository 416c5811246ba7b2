import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import type { PrismaClient } from '../db';
import { errorCode, errorMessage, ShutdownError } from '../errors';
import { EventPublisher } from '../events';
import { createLogger, type Logger } from '../logger';
import { endWithoutWorker } from '../operations/end';
import { hostQueues } from '../operations/placement';
import { bullPrefix, createQueueProvider } from '../operations/queues';
import { isTerminal } from '../operations/records';
import type { JobKind } from '../queues/define';
import { lifecycleDeps, type WorkerEnv } from './env';
import { runJob } from './run-job';
import type { FaultHooks, ProcessorRegistration } from './types';

export interface BaseWorkerOptions {
  queue: string;
  processors: ProcessorRegistration[];
  config: Config;
  prisma: PrismaClient;
  connection: Redis;
  /** Default: the concurrency the kinds' stages declare for this queue. */
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  cancelPollMs?: number;
  logger?: Logger;
  faults?: FaultHooks;
}

/**
 * Wires a BullMQ Worker to the job contract (see run-job.ts): one worker per queue, one processor
 * per kind segment on it. Jobs whose operation cannot run (no processor, bad payload) end their
 * operation `failed`; a job BullMQ fails by itself (stalled too often) does too.
 */
export class BaseWorker {
  /** One BullMQ worker per physical queue: this host's `<queue>@<hostId>` and the shared `<queue>`. */
  readonly workers: Worker[];
  private readonly env: WorkerEnv;
  private closing = false;

  constructor(private readonly opts: BaseWorkerOptions) {
    const logger = opts.logger ?? createLogger(`worker:${opts.queue}`, opts.config.logLevel);
    const processors = new Map<string, ProcessorRegistration>();
    let declared: number | undefined;
    for (const reg of opts.processors) {
      const stage = reg.def.spec.stages.find((s) => s.name === reg.segment);
      if (stage?.queue !== opts.queue)
        throw new Error(
          `Job kind ${reg.def.kind} (from ${reg.segment}) runs on queue ${stage?.queue}, not ${opts.queue}`,
        );
      if (processors.has(reg.def.kind)) throw new Error(`Job kind ${reg.def.kind} has two processors`);
      processors.set(reg.def.kind, reg);
      declared = Math.max(declared ?? 0, stage.concurrency);
    }
    if (processors.size === 0) throw new Error(`Queue ${opts.queue} has no processors`);
    const publisher = new EventPublisher(opts.connection, opts.config.redisPrefix);
    this.env = {
      queue: opts.queue,
      config: opts.config,
      prisma: opts.prisma,
      redis: opts.connection,
      publisher,
      queues: createQueueProvider(opts.connection, opts.config.redisPrefix),
      logger,
      processors,
      active: new Map(),
      cancelPollMs: opts.cancelPollMs ?? 500,
      faults: opts.faults,
    };
    this.workers = hostQueues(opts.queue, opts.config.hostId).map((name) => {
      const worker = new Worker(name, (job, token) => runJob(this.env, job, token), {
        connection: opts.connection,
        prefix: bullPrefix(opts.config.redisPrefix),
        concurrency: opts.concurrency ?? declared ?? 1,
        lockDuration: opts.lockDurationMs ?? 30000,
        stalledInterval: opts.stalledIntervalMs ?? 30000,
        maxStalledCount: 2,
        autorun: false,
      });
      worker.on('error', (err) => logger.error({ err }, 'worker error'));
      worker.on('failed', (job, err) => {
        if (job)
          void this.settleFailedJob(job, err).catch((e: unknown) => logger.warn({ err: e }, 'settle failed'));
      });
      return worker;
    });
  }

  /** The physical queues this worker takes jobs from. */
  get queueNames(): string[] {
    return this.workers.map((w) => w.name);
  }

  /** Fails when a kind with a segment on this queue has no processor for it. */
  assertCovers(kinds: JobKind<unknown, unknown>[]): void {
    const missing = kinds
      .filter(
        (k) => k.spec.stages.some((s) => s.queue === this.opts.queue) && !this.env.processors.has(k.kind),
      )
      .map((k) => k.kind);
    if (missing.length) throw new Error(`Queue ${this.opts.queue}: no processor for ${missing.join(', ')}`);
  }

  start(): void {
    for (const w of this.workers)
      void w.run().catch((err: unknown) => this.env.logger.error({ err }, 'worker stopped'));
  }

  async waitUntilReady(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  /**
   * Graceful shutdown: stop taking jobs, let the current ones finish for up to `graceMs`, then
   * release them (they go back to the queue for another worker without losing an attempt).
   */
  async close(graceMs = this.opts.config.shutdownGraceSeconds * 1000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const closing = Promise.all(this.workers.map((w) => w.close()));
    const timer = setTimeout(() => {
      for (const ctrl of this.env.active.values()) ctrl.abort(new ShutdownError());
    }, graceMs);
    try {
      await closing;
    } finally {
      clearTimeout(timer);
      await this.env.queues.closeAll().catch(() => undefined);
    }
  }

  /**
   * BullMQ failed a job for good (our processors' own failures have finished their operation
   * already; this catches what fails outside them: stalled too often, an error before the claim).
   */
  private async settleFailedJob(job: Job, err: Error): Promise<void> {
    // Read the job back: a user retry right after the failure replaces it (same id, new job).
    const current = await this.env.queues.get(job.queueName).getJob(String(job.id));
    if (!current || current.timestamp !== job.timestamp || (await current.getState()) !== 'failed') return;
    const op = await this.env.prisma.operation.findUnique({ where: { id: String(job.id) } });
    if (!op || isTerminal(op.status)) return;
    const failedAt = new Date(current.finishedOn ?? 0);
    await endWithoutWorker(
      lifecycleDeps(this.env),
      op,
      'failed',
      {
        message: `The job failed before it could finish: ${errorMessage(err)}. Retry it to run again.`,
        code: errorCode(err) === 'INTERNAL' ? 'JOB_FAILED' : errorCode(err),
      },
      failedAt,
    );
  }
}
