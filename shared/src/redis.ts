import { Redis, type RedisOptions } from 'ioredis';

/**
 * Two Redis profiles (BullMQ production guide):
 * - worker: never gives up on a command (`maxRetriesPerRequest: null`), required by BullMQ workers;
 * - producer: fails fast when Redis is down so the API can answer 503 instead of hanging.
 */
export function createWorkerRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra });
}

export function createProducerRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 3000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
}

/** A subscriber connection (pub/sub mode cannot run other commands). */
export function createSubscriberRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}
