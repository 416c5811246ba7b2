import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { defineKindSpec } from '../contracts/kinds';
import { PermanentError, TransientError } from '../errors';
import { defineJobKind } from '../queues/define';
import { registerJobKind } from '../queues';
import { registerProcessor, type ProcessorRegistration } from '../worker';

/** A job kind used only by the job-contract tests: N timed steps, optional injected failures. */
export const testStepsPayload = z.object({
  scope: z.string(),
  steps: z.number().int().min(1),
  stepMs: z.number().int().min(1),
  failTimes: z.number().int().min(0).default(0),
  failWith: z.enum(['transient', 'permanent']).default('transient'),
});
export type TestStepsPayload = z.infer<typeof testStepsPayload>;

export function testStepsKind(queue: string, attempts = 3) {
  return registerJobKind(
    defineJobKind({
      spec: defineKindSpec({
        kind: 'test-steps',
        scopeType: 'run',
        completeEvent: 'COMPLETE',
        stages: [{ name: 'working', label: 'Working', queue, weight: 100, concurrency: 1, retryFrom: true }],
      }),
      payload: testStepsPayload,
      result: z.object({ steps: z.number() }),
      attempts,
      backoffMs: 50,
      scopeId: (p) => p.scope,
      channel: (p) => `${p.scope}:archive`,
      exclusiveKey: (p) => `run:${p.scope}`,
    }),
  );
}

/** Side effects are recorded in Redis so tests can count executions across processes. */
export function testStepsProcessor(
  queue: string,
  redis: Redis,
  prefix: string,
  attempts = 3,
): ProcessorRegistration {
  return registerProcessor(testStepsKind(queue, attempts), async (ctx) => {
    const { payload, report, signal } = ctx;
    const runs = await redis.incr(`${prefix}test:${ctx.operation.id}:starts`);
    if (runs <= payload.failTimes) {
      if (payload.failWith === 'permanent')
        throw new PermanentError('Source folder not found', 'SOURCE_NOT_FOUND');
      throw Object.assign(new Error('connection reset by peer'), { code: 'ECONNRESET' });
    }
    await ctx.enterStage('working', 'Working');
    for (let i = 1; i <= payload.steps; i++) {
      ctx.throwIfStopped();
      await sleep(payload.stepMs, undefined, { signal }).catch(() => ctx.throwIfStopped());
      ctx.throwIfStopped();
      await report.progress({
        fraction: i / payload.steps,
        current: i,
        total: payload.steps,
        unit: 'steps',
        message: `Step ${i}`,
      });
    }
    await redis.rpush(`${prefix}test:${ctx.operation.id}:completions`, String(process.pid));
    return { steps: payload.steps };
  });
}

export { TransientError };
