import { z } from 'zod';
import { createQueueProvider, enqueueOperation, type QueueProvider } from './operations';
import { EventPublisher } from './events';
import { defineJobKind } from './queues/define';
import { BaseWorker, registerProcessor } from './worker';
import { createTestWorld, waitFor, type TestWorld } from './test-support/harness';

let world: TestWorld;
let queues: QueueProvider;
let publisher: EventPublisher;
const workers: BaseWorker[] = [];

beforeAll(async () => {
  world = await createTestWorld();
  queues = createQueueProvider(world.redis, world.prefix);
  publisher = new EventPublisher(world.redis, world.prefix);
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close(100)));
});
afterAll(async () => {
  await queues.closeAll();
  await world.close();
});

const first = defineJobKind({
  kind: 'two-stage-first',
  queue: 'ho-first',
  payload: z.object({ scope: z.string(), waits: z.number().default(0) }),
  result: z.object({ total: z.number() }),
  attempts: 2,
  backoffMs: 10,
  scopeType: 'folder',
  scopeId: (p) => p.scope,
  channel: (_p, id) => `folder:${id}`,
  completeEvent: 'COMPLETE',
  exclusiveKey: (p) => `folder:${p.scope}`,
});
const second = defineJobKind({
  kind: 'two-stage-second',
  queue: 'ho-second',
  payload: z.object({ operationId: z.string(), value: z.number() }),
  result: z.object({ total: z.number() }),
  attempts: 2,
  backoffMs: 10,
  scopeType: 'folder',
  scopeId: () => 'x',
  channel: (p) => `folder:${p.operationId}`,
  completeEvent: 'COMPLETE',
});

async function start(queue: string, reg: ReturnType<typeof registerProcessor>) {
  const w = new BaseWorker({
    queue,
    processors: [reg],
    config: world.config,
    prisma: world.prisma,
    connection: world.redis,
  });
  w.start();
  await w.waitUntilReady();
  workers.push(w);
  return w;
}

test('a processor can hand its operation off to a second stage; the operation finishes once, from the second stage', async () => {
  const seenSecond: string[] = [];
  await start(
    'ho-first',
    registerProcessor(first, async (ctx) => {
      await ctx.report.setStage('one', 'Stage one', 10);
      return ctx.handOff({
        queue: 'ho-second',
        kind: 'two-stage-second',
        jobId: `${ctx.operation.id}.second`,
        payload: { operationId: ctx.operation.id, value: 41 },
        message: 'Waiting for stage two',
        partialResult: { half: true },
      });
    }),
  );
  const { operationId } = await enqueueOperation({ prisma: world.prisma, publisher, queues }, first, {
    scope: 'a/b/c',
  });
  const waiting = await waitFor(async () => {
    const op = await world.prisma.operation.findUnique({ where: { id: operationId } });
    return op?.currentOperation === 'Waiting for stage two' ? op : null;
  });
  expect(waiting).toMatchObject({
    status: 'queued',
    queue: 'ho-second',
    finishedAt: null,
    result: { half: true },
  });
  await start(
    'ho-second',
    registerProcessor(second, async (ctx) => {
      seenSecond.push(ctx.operation.id);
      expect(ctx.operation.status).toBe('running');
      return { total: ctx.payload.value + 1 };
    }),
  );
  const done = await waitFor(async () => {
    const op = await world.prisma.operation.findUnique({ where: { id: operationId } });
    return op?.status === 'succeeded' ? op : null;
  });
  expect(done.result).toEqual({ total: 42 });
  expect(seenSecond).toEqual([operationId]);
  const logs = await world.prisma.operationLog.findMany({ where: { operationId, message: 'Completed' } });
  expect(logs).toHaveLength(1);
});

test('postpone puts the job back to wait without using an attempt', async () => {
  let runs = 0;
  await start(
    'ho-first',
    registerProcessor(first, async (ctx) => {
      runs++;
      if (runs <= 2) await ctx.postpone(50, 'Waiting for disk space');
      return { total: ctx.job.attemptsMade };
    }),
  );
  const { operationId } = await enqueueOperation({ prisma: world.prisma, publisher, queues }, first, {
    scope: 'p/q/r',
  });
  const done = await waitFor(async () => {
    const op = await world.prisma.operation.findUnique({ where: { id: operationId } });
    return op?.status === 'succeeded' ? op : null;
  });
  expect(runs).toBe(3);
  expect(done.result).toEqual({ total: 0 });
  expect(done.attempt).toBe(1);
});

test('after commit() a cancel request no longer stops the job', async () => {
  await start(
    'ho-first',
    registerProcessor(first, async (ctx) => {
      ctx.commit();
      await world.prisma.operation.update({
        where: { id: ctx.operation.id },
        data: { cancelRequestedAt: new Date() },
      });
      await new Promise((r) => setTimeout(r, 1200));
      return { total: 1 };
    }),
  );
  const { operationId } = await enqueueOperation({ prisma: world.prisma, publisher, queues }, first, {
    scope: 'c/o/m',
  });
  const done = await waitFor(async () => {
    const op = await world.prisma.operation.findUnique({ where: { id: operationId } });
    return op && ['succeeded', 'cancelled', 'failed'].includes(op.status) ? op : null;
  });
  expect(done.status).toBe('succeeded');
});
