import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { io as connect, type Socket } from 'socket.io-client';
import { EventPublisher, createWorkerRedis, parseConfig, streamKey, type ClientToServerEvents, type ServerToClientEvents } from '@arkive/shared';
import { createWebServer } from '../../web/server/web-server';

/**
 * Publish→browser latency through the real relay: N socket.io clients joined to one run channel
 * on the web server (websocket transport), events published with EventPublisher (XADD + PUBLISH,
 * as workers do), latency = client receipt time − time just before publish. Session and
 * membership checks run once per join (not per event), so the bench stubs them; the measured
 * path (Redis pub/sub → relay → socket.io broadcast → client) is the production one.
 */
function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

export async function run(args: string[]): Promise<void> {
  const clients = arg(args, 'clients', 100);
  const events = arg(args, 'events', 500);
  const intervalMs = arg(args, 'interval-ms', 5);
  const prefix = `arkive-bench:${randomBytes(4).toString('hex')}:`;
  const config = parseConfig({ ...process.env, REDIS_PREFIX: prefix, LOG_LEVEL: 'warn', NODE_ENV: 'test' });
  const web = await createWebServer({
    config,
    port: 0,
    verifySession: async (t) => (t === 'bench' ? { id: 1, username: 'bench', isAdmin: false } : undefined),
    runRoleOf: async () => 'viewer',
  });
  await web.listen();
  const url = `http://127.0.0.1:${web.port}`;
  const channel = 'benchrun:archive';
  const latencies: number[] = [];
  const received = new Array<number>(clients).fill(0);
  const sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];
  for (let i = 0; i < clients; i++) {
    const s: Socket<ServerToClientEvents, ClientToServerEvents> = connect(url, { transports: ['websocket'], extraHeaders: { cookie: 'arkive_session=bench' }, forceNew: true });
    s.on('event', (e) => {
      const sent = (e.detail as { sentAt?: number } | undefined)?.sentAt;
      if (typeof sent !== 'number') return;
      latencies.push(performance.timeOrigin + performance.now() - sent);
      received[i]++;
    });
    await new Promise<void>((resolve, reject) => {
      s.once('connect_error', reject);
      s.once('connect', () => s.emit('join', { channel }, (ack) => (ack.ok ? resolve() : reject(new Error(ack.error.message)))));
    });
    sockets.push(s);
  }
  const redis = createWorkerRedis(config.redisUrl);
  const publisher = new EventPublisher(redis, prefix);
  for (let n = 0; n < events; n++) {
    const sentAt = performance.timeOrigin + performance.now();
    await publisher.publish(channel, { type: 'PROGRESS', operationId: 'bench', message: `event ${n}`, percent: (n / events) * 100, detail: { sentAt } });
    if (intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
  }
  const deadline = Date.now() + 10000;
  while (latencies.length < clients * events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const s of sockets) s.disconnect();
  await redis.del(streamKey(prefix, channel));
  redis.disconnect();
  await web.close();

  const sorted = [...latencies].sort((a, b) => a - b);
  const result = {
    suite: 'latency',
    date: new Date().toISOString(),
    node: process.version,
    clients,
    events,
    intervalMs,
    expected: clients * events,
    received: latencies.length,
    lost: clients * events - latencies.length,
    ms: { p50: +pct(sorted, 50).toFixed(2), p90: +pct(sorted, 90).toFixed(2), p99: +pct(sorted, 99).toFixed(2), max: +sorted[sorted.length - 1].toFixed(2) },
    note: 'clients, relay and publisher share one Node process (conservative: the clients\u2019 decoding competes with the relay)',
  };
  console.log(JSON.stringify(result, null, 2));
  const out = path.resolve(__dirname, '../../bench-results/latency.json');
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`p99 ${result.ms.p99} ms (target < 100 ms) — written to ${path.relative(process.cwd(), out)}`);
}
