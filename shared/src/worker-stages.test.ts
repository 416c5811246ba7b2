import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { defineKindSpec } from './contracts/kinds';
import { PermanentError } from './errors';
import { EventPublisher, replayEvents, TERMINAL_EVENT_TYPES } from './events';
import {
  createQueueProvider,
  enqueueOperation,
  queueOf,
  reapStaleOperations,
  repairLostJobs,
  requestCancel,
  retryOperation,
  type QueueProvider,
} from './operations';
import { registerJobKind } from './queues';
import { defineJobKind } from './queues/define';
import { BaseWorker, registerProcessor } from './worker';
import { createTestWorld, waitFor, type TestWorld } from './test-support/harness';
import { describeServiceContract } from './test-support/service-contract';
import { testStepsKind, testStepsProcessor } from './test-support/test-kind';
import { scopeDir, testStagesKind, testStagesProcessors } from './test-support/test-stages-kind';

let n = 0;
const walk = async (dir: string, rel = ''): Promise<string[]> => {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => [])) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...(await walk(dir, r)));
    else out.push(r);
  }
  return out.sort();
};

describeServiceContract({
  name: 'two-queue test kind',
  kind: testStagesKind,
  processors: () => testStagesProcessors(),
  workerModule: path.join(__dirname, 'test-support', 'test-stages-kind.ts'),
  async setup() {
    return { payload: { scope: `st-${++n}-${Date.now().toString(36)}`, stepMs: 30 } };
  },
  capture: (world, payload) => walk(scopeDir(world.config, payload.scope)),
  async expectComplete({ world, payload, operation }) {
    expect(await walk(scopeDir(world.config, payload.scope))).toEqual(['target.txt']);
    expect(operation.queue).toBe('stages-b');
  },
});

describe('operation lifecycle outside the processors', () => {
  let world: TestWorld;
  let queues: QueueProvider;
  let publisher: EventPublisher;
  const workers: BaseWorker[] = [];
  const deps = () => ({ prisma: world.prisma, publisher, queues, config: world.config });

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

  const start = async (queue: string, processors: ReturnType<typeof registerProcessor>[]) => {
    const w = new BaseWorker({
      queue,
      processors,
      config: world.config,
      prisma: world.prisma,
      connection: world.redis,
      cancelPollMs: 50,
    });
    w.start();
    await w.waitUntilReady();
    workers.push(w);
  };
  const row = (id: string) => world.prisma.operation.findUniqueOrThrow({ where: { id } });
  const terminal = (id: string) =>
    waitFor(async () => {
      const o = await row(id);
      return ['succeeded', 'failed', 'cancelled', 'expired'].includes(o.status) ? o : null;
    }, 45000);

  test('a queued operation whose BullMQ job vanished is repaired: failed JOB_LOST with one EXCEPTION, then retryable', async () => {
    const kind = testStepsKind('lost-q');
    const { operationId, operation } = await enqueueOperation(deps(), kind, {
      scope: `lost-${++n}`,
      steps: 1,
      stepMs: 5,
    });
    await (await queueOf(queues, operation).getJob(operationId))?.remove();
    expect(await repairLostJobs(deps(), 60_000)).toEqual([]); // still within the grace period
    expect(await repairLostJobs(deps(), 0)).toEqual([operationId]);
    const op = await row(operationId);
    expect(op).toMatchObject({ status: 'failed', errorCode: 'JOB_LOST' });
    const events = (await replayEvents(world.redis, world.prefix, operation.channel)).filter(
      (e) => e.operationId === operationId,
    );
    expect(events.filter((e) => TERMINAL_EVENT_TYPES.has(e.type)).map((e) => e.type)).toEqual(['EXCEPTION']);
    await start('lost-q', [testStepsProcessor('lost-q', world.redis, world.prefix)]);
    await retryOperation(deps(), operationId);
    expect((await terminal(operationId)).status).toBe('succeeded');
  });

  test('a running operation without heartbeats is reaped: failed WORKER_LOST naming its stage', async () => {
    const kind = testStepsKind('stale-q');
    const { operationId } = await enqueueOperation(deps(), kind, {
      scope: `stale-${++n}`,
      steps: 1,
      stepMs: 5,
    });
    await world.prisma.operation.update({
      where: { id: operationId },
      data: { status: 'running', heartbeatAt: new Date(Date.now() - 600_000) },
    });
    expect(await reapStaleOperations(deps(), 120)).toEqual([operationId]);
    const op = await row(operationId);
    expect(op).toMatchObject({ status: 'failed', errorCode: 'WORKER_LOST' });
    expect(op.error).toMatch(/during: Working/);
  });

  describe('children (BullMQ parent/child jobs)', () => {
    const childKind = testStepsKind('child-q');
    const parentKind = registerJobKind(
      defineJobKind({
        spec: defineKindSpec({
          kind: 'test-parent',
          scopeType: 'run',
          completeEvent: 'COMPLETE',
          stages: [
            {
              name: 'fanning-out',
              label: 'Fanning out',
              queue: 'parent-q',
              weight: 100,
              concurrency: 1,
              retryFrom: true,
            },
          ],
        }),
        payload: z.object({
          scope: z.string(),
          children: z.number().int(),
          childSteps: z.number().int().optional(),
          failing: z.number().int().default(-1),
          stepMs: z.number().int().default(20),
          /** Children work on the parent's own run (same exclusive key). */
          sameScope: z.boolean().default(false),
        }),
        result: z.object({ children: z.number() }),
        attempts: 1,
        backoffMs: 10,
        scopeId: (p) => p.scope,
        channel: (p) => `${p.scope}:archive`,
        exclusiveKey: (p) => `run:${p.scope}`,
      }),
    );
    const parentProcessor = registerProcessor(parentKind, async (ctx) => {
      const p = ctx.payload;
      await ctx.enterStage('fanning-out', `Running ${p.children} children`);
      const outcomes = await ctx.runChildren(
        'steps',
        Array.from({ length: p.children }, (_, i) => ({
          def: childKind,
          payload: {
            scope: p.sameScope ? p.scope : `${p.scope}-c${i}`,
            steps: p.childSteps ?? 4,
            stepMs: p.stepMs,
            failTimes: i === p.failing ? 1 : 0,
            failWith: 'permanent' as const,
          },
        })),
      );
      const failed = outcomes.filter((o) => o.status !== 'succeeded');
      if (failed.length)
        throw new PermanentError(`${failed.length} of ${outcomes.length} children failed`, 'CHILDREN_FAILED');
      return { children: outcomes.length };
    });
    const startAll = async () => {
      await start('parent-q', [parentProcessor]);
      await start('child-q', [testStepsProcessor('child-q', world.redis, world.prefix, 1)]);
    };

    test('the parent waits in waiting-children without a worker slot; its progress rolls up its children', async () => {
      await startAll();
      const scope = `par-${++n}`;
      const { operationId } = await enqueueOperation(deps(), parentKind, { scope, children: 3, stepMs: 150 });
      const job = await queueOf(queues, await row(operationId)).getJob(operationId);
      await waitFor(async () => (await job?.getState()) === 'waiting-children', 20000, 20);
      const waiting = await row(operationId);
      expect(waiting.status).toBe('running');
      const percents: number[] = [];
      const done = await waitFor(
        async () => {
          const o = await row(operationId);
          percents.push(o.progressPercent);
          return o.status === 'succeeded' ? o : null;
        },
        45000,
        30,
      );
      expect(done.result).toEqual({ children: 3 });
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      expect(percents.some((p) => p > 0 && p < 100)).toBe(true);
      const children = await world.prisma.operation.findMany({ where: { parentId: operationId } });
      expect(children.map((c) => c.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    });

    test('a failed child fails the parent; a retry of the parent re-runs only the failed child', async () => {
      await startAll();
      const scope = `pfail-${++n}`;
      const { operationId } = await enqueueOperation(deps(), parentKind, { scope, children: 3, failing: 1 });
      const failed = await terminal(operationId);
      expect(failed).toMatchObject({ status: 'failed', errorCode: 'CHILDREN_FAILED' });
      expect(failed.error).toBe('1 of 3 children failed');
      await retryOperation(deps(), operationId);
      expect((await terminal(operationId)).status).toBe('succeeded');
      const children = await world.prisma.operation.findMany({
        where: { parentId: operationId },
        orderBy: { dedupeKey: 'asc' },
      });
      expect(children.map((c) => c.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      for (const c of children) {
        const completions = await world.redis.lrange(`${world.prefix}test:${c.id}:completions`, 0, -1);
        expect(completions).toHaveLength(1); // the ones that succeeded the first time were not run again
      }
    });

    test("children on the parent's own run work under the parent's exclusivity; others are still refused", async () => {
      await startAll();
      const scope = `pheld-${++n}`;
      const { operationId } = await enqueueOperation(deps(), parentKind, {
        scope,
        children: 2,
        sameScope: true,
      });
      await expect(enqueueOperation(deps(), childKind, { scope, steps: 1, stepMs: 5 })).rejects.toMatchObject(
        { code: 'OPERATION_ACTIVE' },
      );
      expect((await terminal(operationId)).status).toBe('succeeded');
      const children = await world.prisma.operation.findMany({ where: { parentId: operationId } });
      expect(children.map((c) => [c.status, c.exclusiveKey])).toEqual([
        ['succeeded', null],
        ['succeeded', null],
      ]);
    });

    test('cancelling the parent cancels its running children, then the parent', async () => {
      await startAll();
      const scope = `pcancel-${++n}`;
      // Long children: a child in its last step when the cancel lands finishes (a result that
      // arrives is success), so the window between "running" and the cancel must stay small.
      const { operationId } = await enqueueOperation(deps(), parentKind, {
        scope,
        children: 2,
        stepMs: 400,
        childSteps: 20,
      });
      await waitFor(
        async () =>
          (await world.prisma.operation.count({ where: { parentId: operationId, status: 'running' } })) > 0,
        20000,
      );
      await requestCancel(deps(), operationId);
      expect((await terminal(operationId)).status).toBe('cancelled');
      const children = await world.prisma.operation.findMany({ where: { parentId: operationId } });
      expect(children.every((c) => c.status === 'cancelled')).toBe(true);
    });
  });
});
