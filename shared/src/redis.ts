import { Redis, type RedisOptions } from 'ioredis';
import { AppError } from './errors';

/**
 * Two Redis profiles (BullMQ production guide):
 * - worker: never gives up on a command (`maxRetriesPerRequest: null`), required by BullMQ workers;
 * - producer: fails fast when Redis is down (`enableOfflineQueue: false`: no command waits for a
 *   reconnect) so the API answers 503 REDIS_UNAVAILABLE at once instead of hanging.
 */
export function createWorkerRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra });
}

export function createProducerRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 3000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
}

/** A subscriber connection (pub/sub mode cannot run other commands). */
export function createSubscriberRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

/** Resolves once the connection is ready (a fail-fast producer refuses commands before that). */
export async function waitForRedis(redis: Redis, timeoutMs = 15000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new RedisUnavailableError(`Redis did not answer within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    const ready = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', ready);
    };
    redis.on('ready', ready);
  });
}

export class RedisUnavailableError extends AppError {
  constructor(detail = 'Redis is unreachable') {
    super(
      'REDIS_UNAVAILABLE',
      `The queue and live-event store is unavailable (${detail}); try again shortly`,
      503,
      undefined,
      true,
    );
  }
}

/** An error from a fail-fast Redis connection that is down (or a command that gave up on it). */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    /enableOfflineQueue|Connection is closed|Stream isn't writeable|connect ECONNREFUSED/.test(err.message)
  );
}
