import { EventPublisher } from '../events';
import { createQueueProvider, type QueueProvider } from '../operations';
import { BaseWorker, type ProcessorRegistration } from '../worker';
import { createTestWorld, type TestWorld } from './harness';

/** A test world with a running BaseWorker on `queue` and the producer side (queues, publisher) to enqueue with. */
export interface WorkerWorld {
  world: TestWorld;
  queues: QueueProvider;
  publisher: EventPublisher;
  worker: BaseWorker;
  close(): Promise<void>;
}

export async function startWorkerWorld(
  queue: string,
  processors: ProcessorRegistration[],
): Promise<WorkerWorld> {
  const world = await createTestWorld();
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
    async close() {
      await worker.close(100);
      await queues.closeAll();
      await world.close();
    },
  };
}
