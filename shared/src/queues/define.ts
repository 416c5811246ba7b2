import type { z } from 'zod';
import type { EventType } from '../events';

export type ScopeTypeName = 'run' | 'folder' | 'gallery' | 'host' | 'system';

/**
 * A job kind's whole contract in one place: the queue it runs on, its payload and result
 * schemas, retry policy, the channel its events go to and its completion event.
 */
export interface JobKind<P = unknown, R = unknown> {
  kind: string;
  queue: string;
  payload: z.ZodType<P>;
  result: z.ZodType<R>;
  attempts: number;
  backoffMs: number;
  /** Jobs keep failed records for inspection but not forever. */
  removeOnFail: { count: number };
  scopeType: ScopeTypeName;
  scopeId(payload: P): string;
  channel(payload: P, operationId: string): string;
  completeEvent: EventType;
  /** Operations with the same key never run concurrently (enforced by a partial unique index). */
  exclusiveKey?(payload: P): string | undefined;
}

export function defineJobKind<P, R>(
  def: Omit<JobKind<P, R>, 'removeOnFail'> & { removeOnFail?: { count: number } },
): JobKind<P, R> {
  return { removeOnFail: { count: 1000 }, ...def };
}
