import type { z } from 'zod';
import type { Config } from '../config';
import type { KindSpec, ScopeTypeName, StageSpec } from '../contracts/kinds';
import type { EventType } from '../contracts/events';
import type { Operation, PrismaClient } from '../db';

export type { ScopeTypeName, StageSpec, KindSpec };

export interface StageJobOptions {
  attempts: number;
  backoff: { type: 'fixed' | 'exponential'; delay: number };
}

export interface StageEnv {
  config: Config;
  operation: Operation;
}

/**
 * A job kind's whole server-side contract in one place: its public spec (stages, scope, completion
 * event; from `contracts/kinds.ts`, shared with the web), payload and result schemas, retry policy,
 * the channel its events go to, and what its stages need for resume and clean-up. Hand-off between
 * stages, retry, cancel, expiry and the reaper all read this definition; no kind has its own copy.
 */
export interface JobKind<P = unknown, R = unknown> {
  spec: KindSpec;
  kind: string;
  /** Queue of the first stage. */
  queue: string;
  scopeType: ScopeTypeName;
  completeEvent: EventType;
  payload: z.ZodType<P>;
  result: z.ZodType<R>;
  attempts: number;
  backoffMs: number;
  /** Jobs keep failed records for inspection but not forever. */
  removeOnFail: { count: number };
  scopeId(payload: P): string;
  channel(payload: P, operationId: string): string;
  /** Operations with the same key never run concurrently (enforced by a partial unique index). */
  exclusiveKey?(payload: P): string | undefined;
  /** BullMQ attempts/backoff of a stage's job; defaults to `attempts` and exponential `backoffMs`. */
  jobOptions?(config: Config, stage: StageSpec): StageJobOptions;
  /**
   * The host whose workers run `stage` (null: any host). Default: a run's host for run work, the
   * enqueuing host for folder work, any host otherwise (see operations/placement.ts).
   */
  placement?(
    payload: P,
    env: { prisma: PrismaClient; config: Config; stage: StageSpec },
  ): Promise<string | null>;
  /** Whether a retry can start at this retryFrom stage now (e.g. the file it needs still exists). Default: yes. */
  canResumeAt?(stage: StageSpec, env: StageEnv): Promise<boolean>;
  /**
   * Removes what the operation left behind when it ends while no worker runs it (cancelled or
   * expired while waiting, cancelled before a worker started it). `stage` is where it stood.
   * `prisma` is given when the caller has a database client (every caller in the system does).
   */
  cleanup?(env: StageEnv & { stage: string | null; prisma?: PrismaClient }): Promise<void>;
}

export type JobKindInput<P, R> = Omit<
  JobKind<P, R>,
  'kind' | 'queue' | 'scopeType' | 'completeEvent' | 'removeOnFail'
> & { removeOnFail?: { count: number } };

export function defineJobKind<P, R>(def: JobKindInput<P, R>): JobKind<P, R> {
  const first = def.spec.stages[0];
  return {
    removeOnFail: { count: 1000 },
    ...def,
    kind: def.spec.kind,
    queue: first.queue,
    scopeType: def.spec.scopeType,
    completeEvent: def.spec.completeEvent,
  };
}

/** BullMQ options for the job of `stage` (one place: enqueue, hand-off and retry all use it). */
export function stageJobOptions(def: JobKind<unknown, unknown>, config: Config, stage: StageSpec) {
  const base = def.jobOptions?.(config, stage) ?? {
    attempts: def.attempts,
    backoff: { type: 'exponential' as const, delay: def.backoffMs },
  };
  return { ...base, removeOnComplete: { count: 1000 }, removeOnFail: def.removeOnFail };
}
