import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { EventPublisher, createWorkerRedis, parseConfig, streamKey } from '@arkive/shared';

/**
 * Publish→browser latency through the real relay, three processes as in production:
 * - the web server (relay) in its own process (`latency-server.ts`),
 * - N socket.io clients joined to one run channel over websockets (`latency-clients.ts`),
 * - this process publishing events with EventPublisher (XADD + PUBLISH, as workers do).
 * Latency = client receipt time − time just before publish (same machine, same wall clock).
 * Session and membership checks run once per join, not per event, so the server stubs them;
 * the measured path (Redis pub/sub → relay → socket.io broadcast → client) is the production one.
 */
function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

function child(file: string, env: NodeJS.ProcessEnv): ChildProcess {
  return fork(path.join(__dirname, file), [], {
    execArgv: ['--import', 'tsx'],
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}
function message<T>(c: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: { type: string } & T) => {
      if (m.type !== type) return;
      c.off('message', onMsg);
      resolve(m);
    };
    c.on('message', onMsg);
    c.once('exit', (code) => reject(new Error(`${type}: child exited with ${code}`)));
  });
}

export async function run(args: string[]): Promise<void> {
  const clients = arg(args, 'clients', 100);
  const events = arg(args, 'events', 500);
  const intervalMs = arg(args, 'interval-ms', 5);
  const warmup = arg(args, 'warmup', 50);
  const prefix = `arkive-bench:${randomBytes(4).toString('hex')}:`;
  const env = { ...process.env, REDIS_PREFIX: prefix, LOG_LEVEL: 'warn', NODE_ENV: 'test' as const };
  const config = parseConfig(env);
  const channel = 'benchrun:archive';

  const server = child('latency-server.ts', env);
  const { port } = await message<{ port: number }>(server, 'listening');
  const cl = child('latency-clients.ts', {
    ...env,
    BENCH_URL: `http://127.0.0.1:${port}`,
    BENCH_CLIENTS: String(clients),
    BENCH_CHANNEL: channel,
    BENCH_EXPECT: String(events),
  });
  await message(cl, 'joined');

  const redis = createWorkerRedis(config.redisUrl);
  const publisher = new EventPublisher(redis, prefix);
  // Warm-up events (JIT, connection buffers) carry no timestamp and are not measured.
  for (let n = 0; n < warmup; n++) {
    await publisher.publish(channel, { type: 'PROGRESS', operationId: 'bench', message: `warm-up ${n}` });
    if (intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
  }
  await new Promise((r) => setTimeout(r, 500));
  for (let n = 0; n < events; n++) {
    const sentAt = performance.timeOrigin + performance.now();
    await publisher.publish(channel, {
      type: 'PROGRESS',
      operationId: 'bench',
      message: `event ${n}`,
      percent: (n / events) * 100,
      detail: { sentAt },
    });
    if (intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
  }
  cl.send({ type: 'finish' });
  const { latencies } = await message<{ latencies: number[] }>(cl, 'result');
  cl.kill();
  server.kill();
  await redis.del(streamKey(prefix, channel));
  redis.disconnect();

  const sorted = [...latencies].sort((a, b) => a - b);
  const result = {
    suite: 'latency',
    date: new Date().toISOString(),
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    loadavg: (await import('node:os')).loadavg().map((x) => +x.toFixed(2)),
    clients,
    events,
    intervalMs,
    warmup,
    expected: clients * events,
    received: latencies.length,
    lost: clients * events - latencies.length,
    ms: {
      p50: +pct(sorted, 50).toFixed(2),
      p90: +pct(sorted, 90).toFixed(2),
      p99: +pct(sorted, 99).toFixed(2),
      max: +sorted[sorted.length - 1].toFixed(2),
    },
    processes: 'publisher, web server (relay) and clients in three processes',
  };
  console.log(JSON.stringify(result, null, 2));
  const out = path.resolve(__dirname, '../../bench-results/latency.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(
    `p50 ${result.ms.p50} ms, p99 ${result.ms.p99} ms (target p99 < 100 ms), lost ${result.lost} — written to ${path.relative(process.cwd(), out)}`,
  );
}
