import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { z } from 'zod';
import { stageIndex, type StageSpec } from '../contracts/kinds';
import type { Operation } from '../db';
import { PermanentError } from '../errors';
import { EventPublisher, replayEvents, TERMINAL_EVENT_TYPES, type ArkiveEvent } from '../events';
import {
  createOperation,
  createQueueProvider,
  enqueueOperation,
  queueOf,
  requestCancel,
  retryOperation,
  type QueueProvider,
} from '../operations';
import { defineKindSpec } from '../contracts/kinds';
import { defineJobKind, type JobKind } from '../queues/define';
import { registerJobKind } from '../queues';
import { BaseWorker, registerProcessor, type FaultHooks, type ProcessorRegistration } from '../worker';
import { createTestWorld, waitFor, type TestWorld } from './harness';

/**
 * The job contract of DESIGN.md, checked once for every job kind (STYLE habit 14): the kind's real
 * processors in real BaseWorkers (real Redis, Postgres, filesystem), with faults injected as each
 * declared stage begins:
 * - a run through every stage: ENQUEUED → STATUS/PROGRESS → exactly one completion event, percent
 *   never going back, stages in their declared order, a result the kind's schema accepts;
 * - per stage: a failure there, then a user retry that resumes at a retry point at or before it
 *   (never before a point of no return) and succeeds; a cancel there (the target left as it was,
 *   one CANCELLED, the BullMQ job failed, not completed; refused past a point of no return); a
 *   SIGKILL of the worker process there, after which another worker finishes it with one terminal
 *   event;
 * - a cancel while the operation waits for a later queue (the kind's clean-up runs);
 * - a job with an invalid payload, and a job on a queue with no processor for its kind: the
 *   operation ends `failed` with INVALID_PAYLOAD / NO_PROCESSOR, once, never left `queued`.
 *
 * Call it at the top level of a test file (it declares its own describe/beforeAll/afterAll).
 */
export interface ServiceContractOptions<P, R> {
  name: string;
  kind: JobKind<P, R>;
  /** The processors of every queue segment of the kind (what the services register). */
  processors(world: TestWorld): ProcessorRegistration[];
  /** Absolute path of a module exporting `contractProcessors(config)`, run in a worker process for SIGKILL tests. */
  workerModule: string;
  /** Prepare a fresh target (each call an independent scope, e.g. a new run). */
  setup(world: TestWorld): Promise<{ payload: P }>;
  /** The target as a person would check it; after a cancel it must equal what it was before the job. */
  capture(world: TestWorld, payload: P): Promise<unknown>;
  /** Extra assertions after a successful run. */
  expectComplete?(a: {
    world: TestWorld;
    payload: P;
    result: R;
    operation: Operation;
    events: ArkiveEvent[];
  }): Promise<void> | void;
  env?: Record<string, string>;
}

export interface ServiceContractHandle {
  readonly world: TestWorld;
}

const CHILD = path.join(__dirname, 'contract-worker-child.ts');
const CHILD_TSCONFIG = path.join(__dirname, 'tsconfig.child.json');

export function describeServiceContract<P, R>(opts: ServiceContractOptions<P, R>): ServiceContractHandle {
  const spec = opts.kind.spec;
  const firstQueue = spec.stages[0].queue;
  const segments = new Set(spec.stages.map((s) => s.queue)).size;
  let world: TestWorld;
  let queues: QueueProvider;
  let publisher: EventPublisher;
  const workers: BaseWorker[] = [];
  const children: ChildProcess[] = [];
  const deps = () => ({ prisma: world.prisma, publisher, queues, config: world.config });

  const startWorkers = async (
    o: { faults?: FaultHooks; queue?: string; fast?: boolean; processors?: ProcessorRegistration[] } = {},
  ) => {
    const byQueue = new Map<string, ProcessorRegistration[]>();
    for (const reg of o.processors ?? opts.processors(world)) {
      const queue = (reg.def.spec.stages.find((s) => s.name === reg.segment) as StageSpec).queue;
      if (o.queue && queue !== o.queue) continue;
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), reg]);
    }
    for (const [queue, processors] of byQueue) {
      const w = new BaseWorker({
        queue,
        processors,
        config: world.config,
        prisma: world.prisma,
        connection: world.redis,
        cancelPollMs: 50,
        faults: o.faults,
        // BullMQ runs one stalled-job check per interval for all workers of a queue (a Redis key
        // with that TTL): every worker here checks every second so a killed worker's job is taken
        // over at once; `fast` also shortens the lock of the workers that take it over.
        stalledIntervalMs: 1000,
        ...(o.fast ? { lockDurationMs: 1500 } : {}),
      });
      w.start();
      await w.waitUntilReady();
      workers.push(w);
    }
  };
  const row = (id: string) => world.prisma.operation.findUniqueOrThrow({ where: { id } });
  const eventsOf = async (op: Pick<Operation, 'id' | 'channel'>) =>
    (await replayEvents(world.redis, world.prefix, op.channel, '-')).filter((e) => e.operationId === op.id);
  const terminals = (events: ArkiveEvent[]) =>
    events.filter((e) => TERMINAL_EVENT_TYPES.has(e.type)).map((e) => e.type);
  /** The row once terminal, and its events once the terminal event (published right after) is there. */
  const finished = async (id: string, terminalEvents = 1) => {
    const op = await waitFor(async () => {
      const o = await row(id);
      return ['succeeded', 'failed', 'cancelled', 'expired'].includes(o.status) ? o : null;
    }, 60000);
    const events = await waitFor(async () => {
      const evs = await eventsOf(op);
      return terminals(evs).length >= terminalEvents ? evs : null;
    });
    return { op, events };
  };
  const enqueue = (payload: P) =>
    enqueueOperation(deps(), opts.kind, payload, { createdBy: 'contract-test' });
  const expectSucceeded = (op: Operation) => {
    if (op.status !== 'succeeded')
      throw new Error(`Operation ended ${op.status}: ${op.errorCode} ${op.error}`);
  };
  const spawnWorker = (killAt: string): Promise<ChildProcess> => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: {
        ...process.env,
        ...world.env,
        TSX_TSCONFIG_PATH: CHILD_TSCONFIG,
        CONTRACT_MODULE: opts.workerModule,
        CONTRACT_KILL_AT: killAt,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    return new Promise((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
      child.once('exit', (code, signal) =>
        reject(new Error(`contract worker exited early (${code ?? signal})`)),
      );
    });
  };

  describe(`${opts.name}: job contract (${opts.kind.kind})`, () => {
    beforeAll(async () => {
      world = await createTestWorld(opts.env);
      queues = createQueueProvider(world.redis, world.prefix);
      publisher = new EventPublisher(world.redis, world.prefix);
    });
    afterEach(async () => {
      for (const c of children.splice(0)) c.kill('SIGKILL');
      await Promise.all(workers.splice(0).map((w) => w.close(100)));
    });
    afterAll(async () => {
      await queues?.closeAll();
      await world?.close();
    });

    test(`every stage in declared order → one ${opts.kind.completeEvent}; percent never decreases; a valid result`, async () => {
      const { payload } = await opts.setup(world);
      const entered: string[] = [];
      await startWorkers({ faults: { onStage: async (s) => void entered.push(s) } });
      const { operationId } = await enqueue(payload);
      const { op, events } = await finished(operationId);
      expectSucceeded(op);
      const types = events.map((e) => e.type);
      expect(types[0]).toBe('ENQUEUED');
      expect(terminals(events)).toEqual([opts.kind.completeEvent]);
      expect(types.at(-1)).toBe(opts.kind.completeEvent);
      const steps: readonly string[] = spec.stepEvents ?? [];
      expect(
        types.slice(1, -1).filter((t) => t !== 'STATUS' && t !== 'PROGRESS' && !steps.includes(t)),
      ).toEqual([]);
      // a kind's step events come once each, in the order it declares them
      expect(types.filter((t) => steps.includes(t))).toEqual([...steps]);
      const percents = events.filter((e) => e.percent !== undefined).map((e) => e.percent as number);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      expect(events.at(-1)?.percent).toBe(100);
      // A parent that waits for child operations is called again in the stage it waited in
      // (BullMQ's waiting-children): the same stage twice in a row is one stage, not a step back.
      const declared = entered
        .map((s) => stageIndex(spec, s))
        .filter((i) => i >= 0)
        .filter((i, k, all) => i !== all[k - 1]);
      expect(declared).toEqual([...new Set(declared)].sort((a, b) => a - b));
      expect(declared[0]).toBe(0);
      expect(declared.at(-1)).toBe(spec.stages.length - 1);
      const parsed = (opts.kind.result as z.ZodType<R>).safeParse(op.result);
      expect(parsed.success).toBe(true);
      expect(op.progressPercent).toBe(100);
      await opts.expectComplete?.({ world, payload, result: parsed.data as R, operation: op, events });
    });

    for (const stage of spec.stages) {
      const index = stageIndex(spec, stage.name);
      const noReturn = spec.stages.findIndex((s) => s.pointOfNoReturn);
      const committed = noReturn >= 0 && noReturn <= index;

      test(`fails in ${stage.name}: failed with one EXCEPTION; a retry resumes at or before it and succeeds`, async () => {
        const { payload } = await opts.setup(world);
        let failed = false;
        await startWorkers({
          faults: {
            async onStage(s) {
              if (s !== stage.name || failed) return;
              failed = true;
              throw new PermanentError(`Injected failure in ${s}`, 'INJECTED_FAILURE');
            },
          },
        });
        const { operationId } = await enqueue(payload);
        const first = await finished(operationId);
        expect(first.op).toMatchObject({
          status: 'failed',
          errorCode: 'INJECTED_FAILURE',
          stage: stage.name,
        });
        expect(terminals(first.events)).toEqual(['EXCEPTION']);
        const retried = await retryOperation(deps(), operationId);
        const from = stageIndex(spec, retried.stage);
        expect(from).toBeGreaterThanOrEqual(committed ? noReturn : 0);
        expect(from).toBeLessThanOrEqual(index);
        expect(spec.stages[from].retryFrom).toBe(true);
        const second = await finished(operationId, 2);
        expectSucceeded(second.op);
        expect(terminals(second.events)).toEqual(['EXCEPTION', opts.kind.completeEvent]);
      });

      test(`cancel in ${stage.name}: ${committed || stage.uncancellable ? 'refused; it runs to its end' : 'cancelled, target unchanged, BullMQ job failed'}`, async () => {
        const { payload } = await opts.setup(world);
        const before = await opts.capture(world, payload);
        let reached = false;
        let released = false;
        await startWorkers({
          faults: {
            async onStage(s, ctx) {
              if (s !== stage.name || reached) return;
              reached = true;
              await waitFor(() => ctx.signal.aborted || released, 20000, 20);
            },
          },
        });
        const { operationId } = await enqueue(payload);
        await waitFor(() => reached, 60000);
        if (committed || stage.uncancellable) {
          await expect(requestCancel(deps(), operationId)).rejects.toMatchObject({
            code: 'OPERATION_PAST_CANCEL',
          });
          released = true;
          const { op, events } = await finished(operationId);
          expectSucceeded(op);
          expect(terminals(events)).toEqual([opts.kind.completeEvent]);
          return;
        }
        await requestCancel(deps(), operationId);
        const { op, events } = await finished(operationId);
        expect(op.status).toBe('cancelled');
        expect(terminals(events)).toEqual(['CANCELLED']);
        expect(await opts.capture(world, payload)).toEqual(before);
        // The row is the truth and is written first; BullMQ marks the job failed right after.
        const job = await waitFor(async () => {
          // The state first, then the job's fields (read together they could straddle the move).
          if ((await queueOf(queues, op).getJobState(operationId)) !== 'failed') return null;
          return queueOf(queues, op).getJob(operationId);
        });
        expect(job.failedReason).toMatch(/Cancel/);
      });

      test(`SIGKILL of the worker in ${stage.name}: another worker finishes it, with one terminal event`, async () => {
        const { payload } = await opts.setup(world);
        const child = await spawnWorker(stage.name);
        const died = new Promise((resolve) => child.once('exit', resolve));
        const { operationId } = await enqueue(payload);
        await died;
        await startWorkers({ fast: true });
        const { op, events } = await finished(operationId);
        expectSucceeded(op);
        expect(terminals(events)).toEqual([opts.kind.completeEvent]);
        const logs = await world.prisma.operationLog.findMany({ where: { operationId } });
        expect(logs.some((l) => /stopped without finishing/.test(l.message))).toBe(true);
      });
    }

    if (segments > 1) {
      test("cancel while it waits for a later queue: cancelled at once, with the kind's clean-up", async () => {
        const { payload } = await opts.setup(world);
        const before = await opts.capture(world, payload);
        await startWorkers({ queue: firstQueue });
        const { operationId } = await enqueue(payload);
        const waiting = await waitFor(async () => {
          const o = await row(operationId);
          return o.status === 'queued' && o.queue !== firstQueue ? o : null;
        }, 60000);
        const done = await requestCancel(deps(), operationId);
        expect(done.status).toBe('cancelled');
        expect(await queueOf(queues, waiting).getJob(operationId)).toBeUndefined();
        expect(terminals(await eventsOf(done))).toEqual(['CANCELLED']);
        expect(await opts.capture(world, payload)).toEqual(before);
      });
    }

    test('a job with an invalid payload ends its operation failed (INVALID_PAYLOAD), once, without retries', async () => {
      const { payload } = await opts.setup(world);
      const op = await createOperation(world.prisma, opts.kind, opts.kind.payload.parse(payload), {
        createdBy: 'contract-test',
      });
      await queues.get(firstQueue).add(opts.kind.kind, { bogus: true }, { jobId: op.id, attempts: 3 });
      await startWorkers();
      const { op: done, events } = await finished(op.id);
      expect(done).toMatchObject({ status: 'failed', errorCode: 'INVALID_PAYLOAD' });
      expect(terminals(events)).toEqual(['EXCEPTION']);
      const job = await waitFor(async () => {
        if ((await queues.get(firstQueue).getJobState(op.id)) !== 'failed') return null;
        return queues.get(firstQueue).getJob(op.id);
      });
      expect(job.attemptsMade).toBe(1);
    });

    test('a job on a queue whose worker has no processor for its kind ends failed (NO_PROCESSOR)', async () => {
      const { payload } = await opts.setup(world);
      const other = registerJobKind(
        defineJobKind({
          spec: defineKindSpec({
            kind: `contract-other-${firstQueue}`,
            scopeType: 'system',
            completeEvent: 'COMPLETE',
            stages: [
              { name: 'x', label: 'X', queue: firstQueue, weight: 1, concurrency: 1, retryFrom: true },
            ],
          }),
          payload: opts.kind.payload,
          result: opts.kind.result,
          attempts: 1,
          backoffMs: 10,
          scopeId: () => 'x',
          channel: () => 'operations',
        }),
      );
      await startWorkers({ processors: [registerProcessor(other, async () => undefined)] });
      const { operationId } = await enqueue(payload);
      const { op, events } = await finished(operationId);
      expect(op).toMatchObject({ status: 'failed', errorCode: 'NO_PROCESSOR' });
      expect(terminals(events)).toEqual(['EXCEPTION']);
    });
  });

  return {
    get world() {
      return world;
    },
  };
}
