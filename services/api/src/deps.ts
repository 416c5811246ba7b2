import type { Redis } from 'ioredis';
import {
  createBlobStore,
  createLogger,
  createProducerRedis,
  createPrisma,
  createQueueProvider,
  EventPublisher,
  type BlobStore,
  type Config,
  type Logger,
  type PrismaClient,
  type QueueProvider,
} from '@arkive/shared';

/** Everything a route handler may use; built once per process (tests build their own). */
export interface AppDeps {
  config: Config;
  prisma: PrismaClient;
  redis: Redis;
  queues: QueueProvider;
  publisher: EventPublisher;
  blobStore: BlobStore;
  logger: Logger;
}

export function createDeps(config: Config, overrides: Partial<AppDeps> = {}): AppDeps {
  const redis = overrides.redis ?? createProducerRedis(config.redisUrl);
  return {
    config,
    prisma: overrides.prisma ?? createPrisma(config.databaseUrl),
    redis,
    queues: overrides.queues ?? createQueueProvider(redis, config.redisPrefix),
    publisher: overrides.publisher ?? new EventPublisher(redis, config.redisPrefix),
    blobStore: overrides.blobStore ?? createBlobStore(config),
    logger: overrides.logger ?? createLogger('api', config.logLevel),
  };
}

export async function closeDeps(deps: AppDeps): Promise<void> {
  await deps.queues.closeAll().catch(() => undefined);
  await deps.prisma.$disconnect().catch(() => undefined);
  deps.redis.disconnect();
}
