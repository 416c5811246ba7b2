import { io as connect, type Socket } from 'socket.io-client';
import {
  EventPublisher,
  publishAccessChange,
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
  bob: { id: 3, username: 'bob', isAdmin: false },
};
/** Run memberships the stubbed lookup answers from (tests change it, then publish an access change). */
const members = new Map<number, Set<string>>([
  [1, new Set(['run1'])],
  [3, new Set(['run3'])],
]);
const access = {
  roleOf: async (user: { id: number }, runid: string) =>
    members.get(user.id)?.has(runid) ? ('viewer' as const) : undefined,
  runsOf: async (user: { id: number }) => [...(members.get(user.id) ?? [])],
  /** Gallery g3 is bob's (galleries, issue 15). */
  galleryOwnerOf: async (galleryId: string) => (galleryId === 'g3' ? 3 : undefined),
};

beforeAll(async () => {
  world = await createTestWorld();
  web = await createWebServer({
    config: world.config,
    port: 0,
    verifySession: async (token) => USERS[token],
    access,
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
/** An OPERATION_UPDATE on `operations`, as publishOperationEvent sends it, about one scope. */
const publishUpdate = (
  message: string,
  scopeType: string,
  scopeId: string,
  createdBy: string | null = null,
) =>
  publisher.publish('operations', {
    type: 'OPERATION_UPDATE',
    operationId: `op-${message}`,
    message,
    detail: { kind: 'k', status: 'running', scopeType, scopeId, createdBy, event: 'STATUS', channel: 'x' },
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
  // a backup repository's scrubs: administrators only
  expect(await join(alice, 'backup-repo:local')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  const root = client('root');
  await connected(root);
  expect(await join(root, 'run2:archive')).toMatchObject({ ok: true });
  expect(await join(root, 'backup-repo:local')).toMatchObject({ ok: true });
  expect(await join(root, 'gallery:g1:archive')).toMatchObject({ ok: true });
  // A host's channel (its turn-off): administrators only.
  expect(await join(alice, 'host:h2')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  expect(await join(root, 'host:h2')).toMatchObject({ ok: true });
  expect(await join(root, 'host:../x')).toMatchObject({ ok: false, error: { code: 'BAD_CHANNEL' } });
  // A gallery's channel: its owner, not another user.
  const bob = client('bob');
  await connected(bob);
  expect(await join(bob, 'gallery:g3:archive')).toMatchObject({ ok: true });
  expect(await join(alice, 'gallery:g3:archive')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
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
    while (!stop && n < 400) await publishUpdate(`event ${n++}`, 'folder', 'a/b/c');
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
  const lookup = {
    roleOf: async (_u: unknown, runid: string) => roles.get(runid),
    runsOf: async () => [...roles.keys()],
  };
  const c = client('alice');
  await connected(c);
  const got = collect(c, 'run1:archive');
  expect(await join(c, 'run1:archive')).toMatchObject({ ok: true });
  const before = got.length;
  await publish('run1:archive', 100);
  await until(() => got.length === before + 1);
  roles.delete('run1');
  await web.relay.recheck(verify, lookup);
  await publish('run1:archive', 101);
  await new Promise((r) => setTimeout(r, 200));
  expect(got[got.length - 1].message).toBe('event 100');
  expect(c.connected).toBe(true);
  sessions.clear();
  const gone = new Promise((resolve) => c.once('disconnect', resolve));
  await web.relay.recheck(verify, lookup);
  await gone;
});

test('a stranger hears nothing of a private run on any channel; members hear their runs and the shared queue', async () => {
  const alice = client('alice');
  const bob = client('bob');
  const root = client('root');
  await Promise.all([connected(alice), connected(bob), connected(root)]);
  // Published before anyone joins: the replay must be filtered too.
  await publishUpdate('r3-before', 'run', 'run3');
  const got = {
    alice: collect(alice, 'operations'),
    bob: collect(bob, 'operations'),
    root: collect(root, 'operations'),
  };
  for (const c of [alice, bob, root]) expect(await join(c, 'operations')).toMatchObject({ ok: true });
  await publishUpdate('r1', 'run', 'run1');
  await publishUpdate('r3', 'run', 'run3');
  await publishUpdate('folder', 'folder', 'Production/2024/x');
  await publishUpdate('gallery-of-bob', 'gallery', 'g1', 'bob');
  await publishUpdate('system-of-root', 'system', 's', 'root');
  await publishUpdate('no-detail', 'run', 'run1').then(() =>
    publisher.publish('operations', { type: 'STATUS', operationId: 'op-x', message: 'unscoped' }),
  );
  await until(() => got.root.some((e) => e.message === 'unscoped'));
  await new Promise((r) => setTimeout(r, 200));
  // Only this test's events (earlier tests published on `operations` too; the join replays them).
  const mine = new Set(['r3-before', 'r1', 'r3', 'folder', 'gallery-of-bob', 'system-of-root', 'unscoped']);
  const seen = (l: ArkiveEvent[]) => l.map((e) => e.message).filter((m) => mine.has(m));
  expect(seen(got.alice)).toEqual(['r1', 'folder']);
  expect(seen(got.bob)).toEqual(['r3-before', 'r3', 'folder', 'gallery-of-bob']);
  expect(seen(got.root)).toEqual(
    expect.arrayContaining(['r1', 'r3', 'folder', 'gallery-of-bob', 'system-of-root', 'unscoped']),
  );
  // ...and bob's run channel stays closed to alice.
  expect(await join(alice, 'run3:archive')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
});

test('an access change published by the API takes effect on open sockets at once', async () => {
  members.set(1, new Set(['run1', 'run4']));
  const alice = client('alice');
  await connected(alice);
  const onRun = collect(alice, 'run4:archive');
  const onOps = collect(alice, 'operations');
  expect(await join(alice, 'run4:archive')).toMatchObject({ ok: true });
  expect(await join(alice, 'operations')).toMatchObject({ ok: true });
  await publish('run4:archive', 1);
  await publishUpdate('r4-member', 'run', 'run4');
  await until(() => onRun.length === 1 && onOps.some((e) => e.message === 'r4-member'));
  const revoked = new Promise<{ channel: string }>((resolve) => alice.once('revoked', resolve));
  members.set(1, new Set(['run1']));
  await publishAccessChange(world.redis, world.prefix, { userId: 1, kind: 'membership', runId: 'run4' });
  expect((await revoked).channel).toBe('run4:archive');
  await publish('run4:archive', 2);
  await publishUpdate('r4-removed', 'run', 'run4');
  await publishUpdate('r1-still', 'run', 'run1');
  await until(() => onOps.some((e) => e.message === 'r1-still'));
  await new Promise((r) => setTimeout(r, 150));
  expect(onRun.map((e) => e.message)).toEqual(['event 1']);
  expect(onOps.map((e) => e.message)).not.toContain('r4-removed');
});

/**
 * Several web replicas behind one address: each relays from Redis by itself (its own subscriber
 * per channel), so a client on either replica gets every event once, and an access change
 * published once acts on both. (Why no socket.io Redis adapter: README, Live events.)
 */
test('two web replicas relay the same channel to their own clients, once each, and both act on an access change', async () => {
  const second = await createWebServer({
    config: world.config,
    port: 0,
    verifySession: async (token) => USERS[token],
    access,
  });
  await second.listen();
  try {
    members.set(1, new Set(['run1', 'run5']));
    const onFirst = client('alice');
    const onSecond: Client = connect(`http://127.0.0.1:${second.port}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: { cookie: 'arkive_session=alice' },
    });
    clients.push(onSecond);
    await Promise.all([connected(onFirst), connected(onSecond)]);
    const got1 = collect(onFirst, 'run5:archive');
    const got2 = collect(onSecond, 'run5:archive');
    expect(await join(onFirst, 'run5:archive')).toMatchObject({ ok: true });
    expect(await join(onSecond, 'run5:archive')).toMatchObject({ ok: true });
    for (let i = 1; i <= 20; i++) await publish('run5:archive', i);
    await until(() => got1.length === 20 && got2.length === 20);
    await new Promise((r) => setTimeout(r, 150)); // nothing arrives twice
    const expected = Array.from({ length: 20 }, (_, i) => `event ${i + 1}`);
    expect(got1.map((e) => e.message)).toEqual(expected);
    expect(got2.map((e) => e.message)).toEqual(expected);

    const revoked = Promise.all(
      [onFirst, onSecond].map(
        (c) => new Promise<{ channel: string }>((resolve) => c.once('revoked', resolve)),
      ),
    );
    members.set(1, new Set(['run1']));
    await publishAccessChange(world.redis, world.prefix, { userId: 1, kind: 'membership', runId: 'run5' });
    expect((await revoked).map((r) => r.channel)).toEqual(['run5:archive', 'run5:archive']);
    await publish('run5:archive', 21);
    await new Promise((r) => setTimeout(r, 200));
    expect([got1.length, got2.length]).toEqual([20, 20]);
  } finally {
    await second.close();
  }
});
