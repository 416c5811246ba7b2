import { EventPublisher, replayEvents, TERMINAL_EVENT_TYPES, type ArkiveEvent } from '../events';
import { createQueueProvider, enqueueOperation, type QueueProvider } from '../operations';
import type { JobKind } from '../queues';
import { BaseWorker, type ProcessorRegistration } from '../worker';
import { createTestWorld, waitFor, type TestWorld } from './harness';

/** A test world with a running BaseWorker on `queue` and the producer side (queues, publisher) to enqueue with. */
export interface WorkerWorld {
  world: TestWorld;
  queues: QueueProvider;
  publisher: EventPublisher;
  worker: BaseWorker;
  /** Enqueue one operation and wait for its terminal event: its channel, events and final row. */
  runToEnd<P>(
    kind: JobKind<P, unknown>,
    payload: P,
    createdBy: string,
  ): Promise<{
    operationId: string;
    channel: string;
    events: ArkiveEvent[];
    op: Awaited<ReturnType<TestWorld['prisma']['operation']['findUniqueOrThrow']>>;
  }>;
  close(): Promise<void>;
}

export async function startWorkerWorld(
  queue: string,
  processors: ProcessorRegistration[],
  extraEnv: Record<string, string> = {},
): Promise<WorkerWorld> {
  const world = await createTestWorld(extraEnv);
  const queues = createQueueProvider(world.redis, world.prefix);
  const publisher = new EventPublisher(world.redis, world.prefix);
  const worker = new BaseWorker({
    queue,
    processors,
    config: world.config,
    prisma: world.prisma,
    connection: world.redis,
    cancelPollMs: 50,
  });
  worker.start();
  await worker.waitUntilReady();
  return {
    world,
    queues,
    publisher,
    worker,
    async runToEnd(kind, payload, createdBy) {
      const { operationId, channel } = await enqueueOperation(
        { prisma: world.prisma, publisher, queues, config: world.config },
        kind,
        payload,
        {
          createdBy,
        },
      );
      const events = await waitFor(async () => {
        const evs = (await replayEvents(world.redis, world.prefix, channel)).filter(
          (e) => e.operationId === operationId,
        );
        return evs.some((e) => TERMINAL_EVENT_TYPES.has(e.type)) ? evs : null;
      }, 45000);
      const op = await world.prisma.operation.findUniqueOrThrow({ where: { id: operationId } });
      return { operationId, channel, events, op };
    },
    async close() {
      await worker.close(100);
      await queues.closeAll();
      await world.close();
    },
  };
}
