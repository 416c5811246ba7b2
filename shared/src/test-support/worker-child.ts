/** A worker process for the crash test: started with the test world's env, killed with SIGKILL mid-job. */
import { parseConfig } from '../config';
import { createPrisma } from '../db';
import { createWorkerRedis } from '../redis';
import { BaseWorker } from '../worker';
import { testStepsProcessor } from './test-kind';

async function main() {
  const config = parseConfig(process.env);
  const queue = process.env.TEST_QUEUE as string;
  const redis = createWorkerRedis(config.redisUrl);
  const prisma = createPrisma(config.databaseUrl, 3);
  const worker = new BaseWorker({
    queue,
    processors: [testStepsProcessor(queue, redis, config.redisPrefix)],
    config,
    prisma,
    connection: redis,
    lockDurationMs: Number(process.env.TEST_LOCK_MS ?? 1500),
    stalledIntervalMs: Number(process.env.TEST_STALLED_MS ?? 1000),
  });
  worker.start();
  await worker.waitUntilReady();
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    void worker.close(Number(process.env.TEST_GRACE_MS ?? 200)).then(async () => {
      await prisma.$disconnect();
      redis.disconnect();
      process.exit(0);
    });
  });
}
void main();
