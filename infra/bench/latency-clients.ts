import { performance } from 'node:perf_hooks';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@arkive/shared';

/** Bench child: N socket.io clients on one channel; records publish→receipt latency per event. */
void (async () => {
  const url = process.env.BENCH_URL!;
  const n = Number(process.env.BENCH_CLIENTS);
  const expect = Number(process.env.BENCH_EXPECT) * n;
  const channel = process.env.BENCH_CHANNEL!;
  const latencies: number[] = [];
  const sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];
  for (let i = 0; i < n; i++) {
    const s: Socket<ServerToClientEvents, ClientToServerEvents> = connect(url, {
      transports: ['websocket'],
      extraHeaders: { cookie: 'arkive_session=bench' },
      forceNew: true,
    });
    s.on('event', (e) => {
      const sent = (e.detail as { sentAt?: number } | undefined)?.sentAt;
      if (typeof sent === 'number') latencies.push(performance.timeOrigin + performance.now() - sent);
    });
    await new Promise<void>((resolve, reject) => {
      s.once('connect_error', reject);
      s.once('connect', () =>
        s.emit('join', { channel }, (ack) => (ack.ok ? resolve() : reject(new Error(ack.error.message)))),
      );
    });
    sockets.push(s);
  }
  process.send!({ type: 'joined' });
  process.on('message', async (m: { type: string }) => {
    if (m.type !== 'finish') return;
    const deadline = Date.now() + 10000;
    while (latencies.length < expect && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const s of sockets) s.disconnect();
    process.send!({ type: 'result', latencies }, () => process.exit(0));
  });
})();
