/**
 * A worker process for the contract suite's SIGKILL tests: serves every queue of the processors
 * that CONTRACT_MODULE's `contractProcessors(config)` returns, and kills itself with SIGKILL as soon
 * as an operation enters stage CONTRACT_KILL_AT. Started with tsx and tsconfig.child.json, so
 * `@arkive/shared` is this checkout's source, as in the tests.
 */
import { parseConfig } from '../config';
import { createPrisma } from '../db';
import { createWorkerRedis } from '../redis';
import { BaseWorker, type ProcessorRegistration } from '../worker';

async function main() {
  const config = parseConfig(process.env);
  const mod = (await import(process.env.CONTRACT_MODULE as string)) as {
    contractProcessors(config: ReturnType<typeof parseConfig>): ProcessorRegistration[];
  };
  const killAt = process.env.CONTRACT_KILL_AT;
  const redis = createWorkerRedis(config.redisUrl);
  const prisma = createPrisma(config.databaseUrl, 3);
  const byQueue = new Map<string, ProcessorRegistration[]>();
  for (const reg of mod.contractProcessors(config)) {
    const queue = reg.def.spec.stages.find((s) => s.name === reg.segment)!.queue;
    byQueue.set(queue, [...(byQueue.get(queue) ?? []), reg]);
  }
  const workers = [...byQueue].map(
    ([queue, processors]) =>
      new BaseWorker({
        queue,
        processors,
        config,
        prisma,
        connection: redis,
        lockDurationMs: 1500,
        stalledIntervalMs: 1000,
        faults: {
          async onStage(stage) {
            if (stage === killAt) process.kill(process.pid, 'SIGKILL');
          },
        },
      }),
  );
  for (const w of workers) w.start();
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  process.stdout.write('ready\n');
}
void main();
