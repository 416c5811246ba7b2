/**
 * A compress worker in its own process, for the worker-death test: started with the test world's
 * env, killed with SIGKILL in the middle of a snapshot. Not part of the service.
 */
import { BaseWorker, createPrisma, createWorkerRedis, parseConfig } from '@arkive/shared';
import { runSnapshotProcessor } from './processor';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const redis = createWorkerRedis(config.redisUrl);
  const worker = new BaseWorker({
    queue: 'compress',
    processors: [runSnapshotProcessor],
    config,
    prisma: createPrisma(config.databaseUrl, 3),
    connection: redis,
    lockDurationMs: 1500,
    stalledIntervalMs: 1000,
  });
  worker.start();
  await worker.waitUntilReady();
  process.stdout.write('ready\n');
}
void main();
