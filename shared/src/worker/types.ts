import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import type { Operation, PrismaClient } from '../db';
import type { Logger } from '../logger';
import type { JobKind } from '../queues/define';
import type { OperationReporter } from '../reporter';

export interface ChildRequest<C = unknown> {
  def: JobKind<C, unknown>;
  payload: C;
  /** The child ends `expired` if no worker has started it by then (e.g. its host stays offline). */
  expiresAt?: Date;
}

export interface ChildOutcome {
  operationId: string;
  status: 'succeeded' | 'failed' | 'cancelled' | 'expired';
  result: unknown;
  error: string | null;
  errorCode: string | null;
}

export interface ProcessorContext<P> {
  payload: P;
  operation: Operation;
  job: Job;
  def: JobKind<P, unknown>;
  /** The stage this run starts at: its queue segment's first stage, or a later one on a retry. */
  startStage: string;
  /** Whether this run has to do `stage` (it is at or after the start stage). */
  runsStage(stage: string): boolean;
  /**
   * Enters a stage of this segment: written and published at once (stepper, percent base). Once a
   * point-of-no-return stage is entered, a cancel request no longer stops the job.
   */
  enterStage(stage: string, message: string): Promise<void>;
  /** Data the kind's stages carry forward (Operation.checkpoint), as loaded at the start of this run. */
  checkpoint: Record<string, unknown>;
  saveCheckpoint(patch: Record<string, unknown>): Promise<void>;
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
   * Puts the job back to wait (`queued`, `message` as current operation) and runs it again after
   * `delayMs` without using an attempt. Throws; call it as `await ctx.postpone(...)`.
   */
  postpone(delayMs: number, message: string): Promise<never>;
  /**
   * Runs child operations (BullMQ parent/child jobs) and returns their outcomes once all ended.
   * Idempotent per `key`: a re-run of the processor finds the children it made; children that
   * failed or were cancelled before a retry of the parent are queued again. While children run, the
   * job waits in BullMQ's waiting-children state (no worker slot held) and the processor is called
   * again when they are done.
   */
  runChildren<C>(key: string, children: ChildRequest<C>[]): Promise<ChildOutcome[]>;
}

export type Processor<P, R> = (ctx: ProcessorContext<P>) => Promise<R | void>;

export interface ProcessorRegistration<P = unknown, R = unknown> {
  def: JobKind<P, R>;
  /** The first stage of the queue segment this processor runs (default: the kind's first stage). */
  segment: string;
  process: Processor<P, R>;
}

/**
 * Registers the processor of one queue segment of a kind (the consecutive stages on one queue,
 * starting at `opts.stage`, default the kind's first stage).
 */
export function registerProcessor<P, R>(
  def: JobKind<P, R>,
  process: Processor<P, R>,
  opts: { stage?: string } = {},
): ProcessorRegistration {
  const segment = opts.stage ?? def.spec.stages[0].name;
  const i = def.spec.stages.findIndex((s) => s.name === segment);
  if (i < 0) throw new Error(`Job kind ${def.kind} has no stage ${segment}`);
  if (i > 0 && def.spec.stages[i - 1].queue === def.spec.stages[i].queue)
    throw new Error(`Stage ${segment} of ${def.kind} does not start a queue segment`);
  return { def, segment, process } as unknown as ProcessorRegistration;
}

/** Test seam: called as each stage begins (fault injection by the contract suite). */
export interface FaultHooks {
  onStage?(stage: string, ctx: ProcessorContext<unknown>): Promise<void>;
}
