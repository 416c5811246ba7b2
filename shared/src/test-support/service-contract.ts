import type { Operation } from '../db';
import { EventPublisher, replayEvents, TERMINAL_EVENT_TYPES, type ArkiveEvent } from '../events';
import { createQueueProvider, enqueueOperation, requestCancel, type QueueProvider } from '../operations';
import type { JobKind } from '../queues/define';
import { BaseWorker, registerProcessor, type ProcessorRegistration } from '../worker';
import { createTestWorld, waitFor, type TestWorld } from './harness';

/**
 * A reusable jest suite for a job kind's service: runs the kind's real processor in a real
 * BaseWorker (real Redis, Postgres, filesystem) and checks the job contract of DESIGN.md:
 * ENQUEUED → STATUS/PROGRESS → exactly one terminal event (the kind's completeEvent) on the
 * kind's channel, percent never going back, Operation `succeeded` with a result the kind's schema
 * accepts; and a cancel while running ends `cancelled` with the target left as it was.
 *
 * Call it at the top level of a test file (it declares its own describe/beforeAll/afterAll).
 */
export interface ServiceContractSetup<P> {
  payload: P;
  processors: ProcessorRegistration[];
}

export interface ServiceContractOptions<P, R> {
  name: string;
  kind: JobKind<P, R>;
  /** Defaults to the kind's queue. */
  queue?: string;
  /** Prepare a fresh target (each call must give an independent scope, e.g. a new run). */
  setup(world: TestWorld): Promise<ServiceContractSetup<P>>;
  /** Extra assertions after a successful run. */
  expectComplete?(a: {
    world: TestWorld;
    payload: P;
    result: R;
    operation: Operation;
    events: ArkiveEvent[];
  }): Promise<void> | void;
  /**
   * Cancel check: `capture` describes the target (e.g. a tree listing) before and after a cancelled
   * run; the two must be equal. Omit to skip the cancel test.
   */
  cancel?: { capture(world: TestWorld, payload: P): Promise<unknown> };
  /** Env for the test world. */
  env?: Record<string, string>;
}

export interface ServiceContractHandle {
  /** The suite's test world (valid inside tests). */
  readonly world: TestWorld;
}

export function describeServiceContract<P, R>(opts: ServiceContractOptions<P, R>): ServiceContractHandle {
  let world: TestWorld;
  let queues: QueueProvider;
  let publisher: EventPublisher;
  const workers: BaseWorker[] = [];
  const queue = opts.queue ?? opts.kind.queue;

  const startWorker = async (processors: ProcessorRegistration[]) => {
    const w = new BaseWorker({
      queue,
      processors,
      config: world.config,
      prisma: world.prisma,
      connection: world.redis,
      cancelPollMs: 50,
      concurrency: 1,
    });
    w.start();
    await w.waitUntilReady();
    workers.push(w);
    return w;
  };
  const deps = () => ({ prisma: world.prisma, publisher, queues });
  const eventsOf = async (payload: P, operationId: string) =>
    (await replayEvents(world.redis, world.prefix, opts.kind.channel(payload, operationId), '-')).filter(
      (e) => e.operationId === operationId,
    );
  const finished = (operationId: string) =>
    waitFor(async () => {
      const op = await world.prisma.operation.findUnique({ where: { id: operationId } });
      return op && ['succeeded', 'failed', 'cancelled', 'expired'].includes(op.status) ? op : null;
    }, 45000);

  describe(`${opts.name}: job contract (${opts.kind.kind})`, () => {
    beforeAll(async () => {
      world = await createTestWorld(opts.env);
      queues = createQueueProvider(world.redis, world.prefix);
      publisher = new EventPublisher(world.redis, world.prefix);
    });
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((w) => w.close(100)));
    });
    afterAll(async () => {
      await queues?.closeAll();
      await world?.close();
    });

    test(`ENQUEUED → STATUS/PROGRESS → one ${opts.kind.completeEvent}; percent never decreases; Operation succeeded with a valid result`, async () => {
      const { payload, processors } = await opts.setup(world);
      await startWorker(processors);
      const { operationId } = await enqueueOperation(deps(), opts.kind, payload, {
        createdBy: 'contract-test',
      });
      const op = await finished(operationId);
      // The terminal event is published right after the row is finished.
      const events = await waitFor(async () => {
        const evs = await eventsOf(payload, operationId);
        return evs.some((e) => TERMINAL_EVENT_TYPES.has(e.type)) ? evs : null;
      });
      if (op.status !== 'succeeded') throw new Error(`Operation ended ${op.status}: ${op.error}`);
      const types = events.map((e) => e.type);
      expect(types[0]).toBe('ENQUEUED');
      const terminal = events.filter((e) => TERMINAL_EVENT_TYPES.has(e.type));
      expect(terminal.map((e) => e.type)).toEqual([opts.kind.completeEvent]);
      expect(types.at(-1)).toBe(opts.kind.completeEvent);
      const middle = types.slice(1, -1);
      expect(middle.length).toBeGreaterThan(0);
      expect(middle.every((t) => t === 'STATUS' || t === 'PROGRESS')).toBe(true);
      const percents = events.filter((e) => e.percent !== undefined).map((e) => e.percent as number);
      expect(percents).toEqual([...percents].sort((a, b) => a - b));
      expect(terminal[0].percent).toBe(100);
      const parsed = opts.kind.result.safeParse(op.result);
      expect(parsed.success).toBe(true);
      expect(op.progressPercent).toBe(100);
      await opts.expectComplete?.({ world, payload, result: parsed.data as R, operation: op, events });
    });

    if (opts.cancel) {
      const cancel = opts.cancel;
      test('a cancel while running ends cancelled with one CANCELLED event and the target unchanged', async () => {
        const { payload, processors } = await opts.setup(world);
        const before = await cancel.capture(world, payload);
        // Hold the processor at its start until the cancel reaches it, so the cancel is
        // deterministic: the processor then runs with an aborted signal and must stop cleanly.
        let started = false;
        const gated = processors.map((reg) =>
          reg.def.kind !== opts.kind.kind
            ? reg
            : registerProcessor(reg.def, async (ctx) => {
                started = true;
                await waitFor(() => ctx.signal.aborted, 15000, 20);
                return reg.process(ctx);
              }),
        );
        await startWorker(gated);
        const { operationId } = await enqueueOperation(deps(), opts.kind, payload, {
          createdBy: 'contract-test',
        });
        await waitFor(() => started);
        await requestCancel(deps(), operationId);
        const op = await finished(operationId);
        expect(op.status).toBe('cancelled');
        const events = await waitFor(async () => {
          const evs = await eventsOf(payload, operationId);
          return evs.some((e) => TERMINAL_EVENT_TYPES.has(e.type)) ? evs : null;
        });
        expect(events.filter((e) => TERMINAL_EVENT_TYPES.has(e.type)).map((e) => e.type)).toEqual([
          'CANCELLED',
        ]);
        expect(await cancel.capture(world, payload)).toEqual(before);
      });
    }
  });

  return {
    get world() {
      return world;
    },
  };
}
