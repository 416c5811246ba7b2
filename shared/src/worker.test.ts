import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ConflictError } from './errors';
import { createSubscriberRedis } from './redis';
import { EventPublisher, replayEvents, subscribeEvents, type ArkiveEvent } from './events';
import {
  createQueueProvider,
  enqueueOperation,
  queueOf,
  requestCancel,
  type QueueProvider,
} from './operations';
import { BaseWorker } from './worker';
import { createTestWorld, waitFor, type TestWorld } from './test-support/harness';
import { testStepsKind, testStepsProcessor, type TestStepsPayload } from './test-support/test-kind';

let world: TestWorld;
let queues: QueueProvider;
let publisher: EventPublisher;
const workers: BaseWorker[] = [];
const children: ChildProcess[] = [];
let n = 0;

beforeAll(async () => {
  world = await createTestWorld();
  queues = createQueueProvider(world.redis, world.prefix);
  publisher = new EventPublisher(world.redis, world.prefix);
});
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await Promise.all(workers.splice(0).map((w) => w.close(100)));
});
afterAll(async () => {
  await queues.closeAll();
  await world.close();
});

function freshQueue() {
  return `q${++n}`;
}

async function startWorker(
  queue: string,
  opts: { attempts?: number; lockDurationMs?: number; stalledIntervalMs?: number } = {},
) {
  const w = new BaseWorker({
    queue,
    processors: [testStepsProcessor(queue, world.redis, world.prefix, opts.attempts)],
    config: world.config,
    prisma: world.prisma,
    connection: world.redis,
    lockDurationMs: opts.lockDurationMs,
    stalledIntervalMs: opts.stalledIntervalMs,
  });
  w.start();
  await w.waitUntilReady();
  workers.push(w);
  return w;
}

async function enqueue(queue: string, payload: Partial<TestStepsPayload>, attempts = 3) {
  const scope = payload.scope ?? `run${n}-${Math.random().toString(36).slice(2, 8)}`;
  return enqueueOperation(
    { prisma: world.prisma, publisher, queues, config: world.config },
    testStepsKind(queue, attempts),
    {
      steps: 3,
      stepMs: 20,
      ...payload,
      scope,
    },
  );
}

async function collect(channel: string, opts: { replay?: boolean } = {}) {
  const events: ArkiveEvent[] = [];
  const sub = createSubscriberRedis(world.config.redisUrl);
  const s = await subscribeEvents(sub, world.redis, world.prefix, channel, (e) => events.push(e), opts);
  return {
    events,
    async close() {
      await s.close();
      sub.disconnect();
    },
  };
}

/** Progress is throttled, so wait for a step count rather than one exact line. */
const reached = (events: ArkiveEvent[], step: number) =>
  events.some((e) => (e.progress?.current ?? 0) >= step);
const terminal = (events: ArkiveEvent[]) =>
  events.filter((e) => ['COMPLETE', 'EXCEPTION', 'CANCELLED'].includes(e.type));

test('progress reaches a live subscriber in order, with one terminal event and the row finished', async () => {
  const queue = freshQueue();
  const scope = `live-${n}`;
  const listener = await collect(`${scope}:archive`, { replay: false });
  await startWorker(queue);
  const { operationId } = await enqueue(queue, { scope, steps: 5 });
  await waitFor(() => terminal(listener.events).length > 0);
  await listener.close();
  const types = listener.events.map((e) => e.type);
  expect(types[0]).toBe('ENQUEUED');
  expect(types.at(-1)).toBe('COMPLETE');
  expect(terminal(listener.events)).toHaveLength(1);
  const percents = listener.events.filter((e) => e.percent !== undefined).map((e) => e.percent as number);
  expect(percents).toEqual([...percents].sort((a, b) => a - b));
  expect(listener.events.some((e) => e.message === 'Step 5' || e.percent === 100)).toBe(true);
  const ids = listener.events.map((e) => e.id as string);
  expect(new Set(ids).size).toBe(ids.length);
  const op = await world.prisma.operation.findUniqueOrThrow({ where: { id: operationId } });
  expect(op.status).toBe('succeeded');
  expect(op.progressPercent).toBe(100);
  expect(op.result).toEqual({ steps: 5 });
  expect(op.finishedAt).not.toBeNull();
  const logs = await world.prisma.operationLog.findMany({ where: { operationId } });
  expect(logs.map((l) => l.message)).toEqual(expect.arrayContaining(['Started', 'Working', 'Completed']));
});

test('a late subscriber replays the finished operation from the stream', async () => {
  const queue = freshQueue();
  await startWorker(queue);
  const scope = `late-${n}`;
  const { operationId } = await enqueue(queue, { scope });
  // Finished and announced: the row is written just before the terminal event is published.
  await waitFor(
    async () =>
      (await world.prisma.operation.findUnique({ where: { id: operationId } }))?.status === 'succeeded' &&
      (await replayEvents(world.redis, world.prefix, `${scope}:archive`)).some((e) => e.type === 'COMPLETE'),
  );
  const late = await collect(`${scope}:archive`);
  await late.close();
  expect(late.events[0].type).toBe('ENQUEUED');
  expect(late.events.at(-1)?.type).toBe('COMPLETE');
  // resuming after an id gets only what came later
  const resumed = await replayEvents(world.redis, world.prefix, `${scope}:archive`, late.events[1].id);
  expect(resumed.map((e) => e.id)).toEqual(late.events.slice(2).map((e) => e.id));
});

test('every state change also reaches the operations channel', async () => {
  const queue = freshQueue();
  const ops = await collect('operations', { replay: false });
  await startWorker(queue);
  const { operationId } = await enqueue(queue, {});
  await waitFor(() =>
    ops.events.some(
      (e) => e.operationId === operationId && (e.detail as { event: string }).event === 'COMPLETE',
    ),
  );
  await ops.close();
  const mine = ops.events
    .filter((e) => e.operationId === operationId)
    .map((e) => (e.detail as { status: string }).status);
  expect(mine[0]).toBe('queued');
  expect(mine.at(-1)).toBe('succeeded');
});

test('cancel stops a running job within about a second', async () => {
  const queue = freshQueue();
  await startWorker(queue);
  const scope = `cancel-${n}`;
  const listener = await collect(`${scope}:archive`);
  const { operationId } = await enqueue(queue, { scope, steps: 200, stepMs: 50 });
  await waitFor(() => reached(listener.events, 2));
  const before = Date.now();
  await requestCancel({ prisma: world.prisma, publisher, queues, config: world.config }, operationId);
  await waitFor(() => terminal(listener.events).length > 0, 5000);
  expect(Date.now() - before).toBeLessThan(3000);
  await listener.close();
  expect(terminal(listener.events).map((e) => e.type)).toEqual(['CANCELLED']);
  const op = await world.prisma.operation.findUniqueOrThrow({ where: { id: operationId } });
  expect(op.status).toBe('cancelled');
  expect(await world.redis.llen(`${world.prefix}test:${operationId}:completions`)).toBe(0);
});

test('a queued job nobody has started is cancelled at once', async () => {
  const queue = freshQueue(); // no worker
  const { operationId } = await enqueue(queue, {});
  const op = await requestCancel(
    { prisma: world.prisma, publisher, queues, config: world.config },
    operationId,
  );
  expect(op.status).toBe('cancelled');
  expect(await queueOf(queues, op).getJob(operationId)).toBeUndefined();
});

test('a transient error is retried with backoff and then succeeds', async () => {
  const queue = freshQueue();
  await startWorker(queue);
  const scope = `retry-${n}`;
  const listener = await collect(`${scope}:archive`);
  const { operationId } = await enqueue(queue, { scope, failTimes: 2 });
  await waitFor(() => terminal(listener.events).length > 0);
  await listener.close();
  const op = await world.prisma.operation.findUniqueOrThrow({ where: { id: operationId } });
  expect(op.status).toBe('succeeded');
  expect(op.attempt).toBe(3);
  expect(await world.redis.get(`${world.prefix}test:${operationId}:starts`)).toBe('3');
  expect(listener.events.filter((e) => /Attempt \d of 3 failed/.test(e.message))).toHaveLength(2);
  expect(terminal(listener.events).map((e) => e.type)).toEqual(['COMPLETE']);
});

test('a transient error that never clears fails after the last attempt', async () => {
  const queue = freshQueue();
  await startWorker(queue, { attempts: 2 });
  const { operationId } = await enqueue(queue, { failTimes: 10 }, 2);
  const op = await waitFor(async () => {
    const o = await world.prisma.operation.findUnique({ where: { id: operationId } });
    return o?.status === 'failed' ? o : null;
  });
  expect(op.attempt).toBe(2);
  expect(op.error).toMatch(/connection reset by peer \(gave up after 2 attempts\)/);
  expect(op.errorCode).toBe('ECONNRESET');
});

test('a permanent error fails at once, without retries, with a message a person can act on', async () => {
  const queue = freshQueue();
  await startWorker(queue);
  const scope = `perm-${n}`;
  const listener = await collect(`${scope}:archive`);
  const { operationId } = await enqueue(queue, { scope, failTimes: 1, failWith: 'permanent' });
  await waitFor(() => terminal(listener.events).length > 0);
  await listener.close();
  const op = await world.prisma.operation.findUniqueOrThrow({ where: { id: operationId } });
  expect(op.status).toBe('failed');
  expect(op.attempt).toBe(1);
  expect(op.errorCode).toBe('SOURCE_NOT_FOUND');
  expect(await world.redis.get(`${world.prefix}test:${operationId}:starts`)).toBe('1');
  expect(terminal(listener.events)).toEqual([
    expect.objectContaining({ type: 'EXCEPTION', message: 'Source folder not found' }),
  ]);
});

test('the database refuses a second active operation for the same run', async () => {
  const queue = freshQueue();
  const scope = `excl-${n}`;
  await enqueue(queue, { scope });
  await expect(enqueue(queue, { scope })).rejects.toBeInstanceOf(ConflictError);
  await expect(enqueue(queue, { scope })).rejects.toMatchObject({ code: 'OPERATION_ACTIVE', status: 409 });
});

function spawnWorkerChild(queue: string, extraEnv: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'test-support', 'worker-child.ts')],
    {
      env: { ...process.env, ...world.env, TEST_QUEUE: queue, ...extraEnv },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker child exited early (${code})`)));
  });
}

test('a worker killed with SIGKILL mid-job has its job completed by a second worker, with one terminal event', async () => {
  const queue = freshQueue();
  const scope = `crash-${n}`;
  const child = await spawnWorkerChild(queue);
  const listener = await collect(`${scope}:archive`);
  const { operationId } = await enqueue(queue, { scope, steps: 40, stepMs: 50 });
  await waitFor(() => reached(listener.events, 3), 20000);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  await startWorker(queue, { lockDurationMs: 1500, stalledIntervalMs: 1000 });
  await waitFor(() => terminal(listener.events).length > 0, 30000);
  await new Promise((r) => setTimeout(r, 500));
  await listener.close();
  const all = await replayEvents(world.redis, world.prefix, `${scope}:archive`);
  expect(terminal(all).map((e) => e.type)).toEqual(['COMPLETE']);
  const op = await world.prisma.operation.findUniqueOrThrow({ where: { id: operationId } });
  expect(op.status).toBe('succeeded');
  const completions = await world.redis.lrange(`${world.prefix}test:${operationId}:completions`, 0, -1);
  expect(completions).toEqual([String(process.pid)]); // finished by the in-test worker, once
});

test('SIGTERM releases a long job to the queue and another worker finishes it without using an attempt', async () => {
  const queue = freshQueue();
  const scope = `term-${n}`;
  const child = await spawnWorkerChild(queue, { TEST_GRACE_MS: '200' });
  const listener = await collect(`${scope}:archive`);
  const { operationId } = await enqueue(queue, { scope, steps: 40, stepMs: 50 });
  await waitFor(() => reached(listener.events, 2), 20000);
  child.kill('SIGTERM');
  const code = await new Promise((r) => child.once('exit', r));
  expect(code).toBe(0);
  expect(listener.events.some((e) => /shutting down/.test(e.message))).toBe(true);
  await startWorker(queue);
  await waitFor(() => terminal(listener.events).length > 0, 30000);
  await listener.close();
  const op = await world.prisma.operation.findUniqueOrThrow({ where: { id: operationId } });
  expect(op.status).toBe('succeeded');
  expect(op.attempt).toBe(1);
  expect(terminal(listener.events).map((e) => e.type)).toEqual(['COMPLETE']);
});
