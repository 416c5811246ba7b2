import type { Redis } from 'ioredis';
import type { Config } from '../config';
import type { PrismaClient } from '../db';
import type { EventPublisher } from '../events';
import type { Logger } from '../logger';
import type { QueueProvider } from '../operations/queues';
import type { FaultHooks, ProcessorRegistration } from './types';

/** What one BaseWorker's job runs share. */
export interface WorkerEnv {
  queue: string;
  config: Config;
  prisma: PrismaClient;
  redis: Redis;
  publisher: EventPublisher;
  queues: QueueProvider;
  logger: Logger;
  processors: Map<string, ProcessorRegistration>;
  /** Abort controllers of the jobs running now, by operation id (for shutdown). */
  active: Map<string, AbortController>;
  cancelPollMs: number;
  faults?: FaultHooks;
}

export function lifecycleDeps(env: WorkerEnv) {
  return { prisma: env.prisma, publisher: env.publisher, queues: env.queues, config: env.config };
}
