import { ConfigError, loadConfig, type Config } from './config';
import { createPrisma } from './db';
import { startHostHeartbeat } from './hosts';
import { createLogger } from './logger';
import { jobKinds } from './queues';
import type { JobKind } from './queues/define';
import { createWorkerRedis } from './redis';
import { BaseWorker, runUntilSignalled, type ProcessorRegistration } from './worker';

export interface ServiceQueue {
  queue: string;
  processors: ProcessorRegistration[];
  concurrency?: number;
}

/**
 * Boots a worker service: config once, one Redis connection (worker profile), one Prisma
 * client, a BaseWorker per queue (listening on this host's queues, see operations/placement.ts),
 * the host's heartbeat. Refuses to start when a kind of a queue it serves has no
 * processor (or two). Stops gracefully on SIGTERM/SIGINT.
 */
export async function startService(
  name: string,
  build: (config: Config) => ServiceQueue[] | Promise<ServiceQueue[]>,
): Promise<BaseWorker[]> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(name, config.logLevel);
  const redis = createWorkerRedis(config.redisUrl);
  const prisma = createPrisma(config.databaseUrl);
  const workers: BaseWorker[] = [];
  for (const q of await build(config)) {
    const w = new BaseWorker({
      queue: q.queue,
      processors: q.processors,
      concurrency: q.concurrency,
      config,
      prisma,
      connection: redis,
      logger,
    });
    w.assertCovers(Object.values(jobKinds) as JobKind<unknown, unknown>[]);
    workers.push(w);
  }
  // The host is known (and online) before its workers take the work queued for it.
  const stopHeartbeat = await startHostHeartbeat(prisma, config, logger);
  for (const w of workers) w.start();
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  logger.info({ queues: workers.flatMap((w) => w.queueNames) }, `${name} ready`);
  runUntilSignalled(
    workers,
    async () => {
      stopHeartbeat();
      await prisma.$disconnect();
      redis.disconnect();
    },
    logger,
  );
  return workers;
}
