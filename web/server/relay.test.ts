import { io as connect, type Socket } from 'socket.io-client';
import {
  EventPublisher,
  replayEvents,
  type ArkiveEvent,
  type ClientToServerEvents,
  type JoinAck,
  type ServerToClientEvents,
} from '@arkive/shared';
import { createTestWorld, type TestWorld } from '../../shared/src/test-support/harness';
import { createWebServer, type WebServer } from './web-server';

/**
 * The socket.io relay against real Redis: channel rights per user, replay then live in order,
 * and a reconnect that resumes after the last id without losing or repeating events.
 * Sessions are stubbed (token → user); the browser e2e test covers the real cookie check.
 */
type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

let world: TestWorld;
let web: WebServer;
let url: string;
let publisher: EventPublisher;
const clients: Client[] = [];

const USERS: Record<string, { id: number; username: string; isAdmin: boolean }> = {
  alice: { id: 1, username: 'alice', isAdmin: false },
  root: { id: 2, username: 'root', isAdmin: true },
};

beforeAll(async () => {
  world = await createTestWorld();
  web = await createWebServer({
    config: world.config,
    port: 0,
    verifySession: async (token) => USERS[token],
    runRoleOf: async (user, runid) => (user.id === 1 && runid === 'run1' ? 'viewer' : undefined),
  });
  await web.listen();
  url = `http://127.0.0.1:${web.port}`;
  publisher = new EventPublisher(world.redis, world.prefix);
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await web.close();
  await world.close();
});

function client(token?: string): Client {
  const c: Client = connect(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: token ? { cookie: `other=1; arkive_session=${token}` } : {},
  });
  clients.push(c);
  return c;
}
const connected = (c: Client) =>
  new Promise<void>(
    (resolve, reject) => (c.once('connect', () => resolve()), c.once('connect_error', reject)),
  );
const join = (c: Client, channel: string, afterId?: string) =>
  new Promise<JoinAck>((resolve) => c.emit('join', { channel, afterId }, resolve));
const publish = (channel: string, n: number) =>
  publisher.publish(channel, {
    type: 'PROGRESS',
    operationId: 'op-1',
    message: `event ${n}`,
    percent: n % 101,
  });

function collect(c: Client, channel: string): ArkiveEvent[] {
  const got: ArkiveEvent[] = [];
  c.on('event', (e) => e.channel === channel && got.push(e));
  return got;
}
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('refuses a connection without a valid session', async () => {
  await expect(connected(client())).rejects.toThrow('UNAUTHENTICATED');
  await expect(connected(client('mallory'))).rejects.toThrow('UNAUTHENTICATED');
});

test('channel rights: run members for run channels, any user for folder/operations, admins for the rest', async () => {
  const alice = client('alice');
  await connected(alice);
  expect(await join(alice, 'run1:archive')).toMatchObject({ ok: true });
  expect(await join(alice, 'run1:migration')).toMatchObject({ ok: true });
  expect(await join(alice, 'run2:archive')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  expect(await join(alice, 'operations')).toMatchObject({ ok: true });
  expect(await join(alice, 'folder:2f1c1d2e-aaaa-bbbb-cccc-123456789abc')).toMatchObject({ ok: true });
  expect(await join(alice, 'gallery:g1:archive')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  expect(await join(alice, '')).toMatchObject({ ok: false, error: { code: 'BAD_CHANNEL' } });
  const root = client('root');
  await connected(root);
  expect(await join(root, 'run2:archive')).toMatchObject({ ok: true });
  expect(await join(root, 'gallery:g1:archive')).toMatchObject({ ok: true });
});

test('replays history, then streams live events; a reconnect resumes after the last id', async () => {
  const ch = 'run1:archive';
  for (let i = 1; i <= 3; i++) await publish(ch, i);
  const a = client('alice');
  await connected(a);
  const got = collect(a, ch);
  const ack = await join(a, ch);
  expect(ack).toMatchObject({ ok: true, replayed: 3 });
  for (let i = 4; i <= 5; i++) await publish(ch, i);
  await until(() => got.length === 5);
  expect(got.map((e) => e.message)).toEqual(['event 1', 'event 2', 'event 3', 'event 4', 'event 5']);
  const lastId = got[got.length - 1].id!;
  a.disconnect();

  for (let i = 6; i <= 8; i++) await publish(ch, i);
  const b = client('alice');
  await connected(b);
  const resumed = collect(b, ch);
  expect(await join(b, ch, lastId)).toMatchObject({ ok: true, replayed: 3 });
  await publish(ch, 9);
  await until(() => resumed.length === 4);
  await new Promise((r) => setTimeout(r, 100));
  expect(resumed.map((e) => e.message)).toEqual(['event 6', 'event 7', 'event 8', 'event 9']);
});

test('events published while a client joins arrive exactly once, in stream order', async () => {
  const ch = 'operations';
  const c = client('alice');
  await connected(c);
  const got = collect(c, ch);
  let stop = false;
  let n = 0;
  const pump = (async () => {
    while (!stop && n < 400) await publish(ch, n++);
  })();
  await new Promise((r) => setTimeout(r, 20));
  expect(await join(c, ch)).toMatchObject({ ok: true });
  await new Promise((r) => setTimeout(r, 50));
  stop = true;
  await pump;
  const stream = await replayEvents(world.redis, world.prefix, ch);
  await until(() => got.length > 0 && got[got.length - 1].id === stream[stream.length - 1].id);
  const firstIdx = stream.findIndex((e) => e.id === got[0].id);
  expect(firstIdx).toBeGreaterThanOrEqual(0);
  expect(got.map((e) => e.id)).toEqual(stream.slice(firstIdx).map((e) => e.id));
});

test('a periodic re-check drops ended sessions and channels the user lost', async () => {
  // The server let alice join run1 (see beforeAll); the re-check then sees her removed from it.
  const roles = new Map<string, 'viewer'>([['run1', 'viewer']]);
  const sessions = new Set(['alice']);
  const verify = async (t: string) => (sessions.has(t) ? USERS[t] : undefined);
  const roleOf = async (_u: unknown, runid: string) => roles.get(runid);
  const c = client('alice');
  await connected(c);
  const got = collect(c, 'run1:archive');
  expect(await join(c, 'run1:archive')).toMatchObject({ ok: true });
  const before = got.length;
  await publish('run1:archive', 100);
  await until(() => got.length === before + 1);
  roles.delete('run1');
  await web.relay.recheck(verify, roleOf);
  await publish('run1:archive', 101);
  await new Promise((r) => setTimeout(r, 200));
  expect(got[got.length - 1].message).toBe('event 100');
  expect(c.connected).toBe(true);
  sessions.clear();
  const gone = new Promise((resolve) => c.once('disconnect', resolve));
  await web.relay.recheck(verify, roleOf);
  await gone;
});
