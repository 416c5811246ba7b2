import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import {
  EventPublisher,
  publishOperationEvent,
  SESSION_COOKIE,
  type ClientToServerEvents,
  type JoinAck,
  type ServerToClientEvents,
} from '@arkive/shared';
import { waitFor } from '@arkive/shared/test-support/harness';
import { createApiWorld, type ApiWorld } from '../../services/api/src/test-support/api-world';
import { makeRun, makeUser, type TestUser } from '../../services/api/src/test-support/users';
import { ensureNextBuild, freePort } from '../../web/e2e/system';
import { normalisedTarget } from '../../web/server/proxy';
import { createWebServer, type WebServer } from '../../web/server/web-server';

/**
 * The public web origin in front of the real API (both on free loopback ports, real Redis and
 * PostgreSQL, real session checks): what the proxy forwards, cross-site requests through it,
 * and the socket.io handshake's Origin check.
 */
let api: ApiWorld;
let apiServer: http.Server;
let web: WebServer;
let webUrl: string;
let owner: TestUser, other: TestUser, member: TestUser;
const sockets: Socket[] = [];

beforeAll(async () => {
  api = await createApiWorld({ LOGIN_MAX_FAILURES_PER_IP: '3' });
  owner = await makeUser(api, 'w-owner');
  other = await makeUser(api, 'w-other');
  member = await makeUser(api, 'w-member'); // before the throttling tests use up this address's sign-ins
  await makeRun(api, 'web-run', owner);
  apiServer = api.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => apiServer.once('listening', resolve));
  const apiUrl = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;
  web = await createWebServer({ config: { ...api.world.config, apiUrl }, port: 0 });
  await web.listen();
  webUrl = `http://127.0.0.1:${web.port}`;
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await web.close();
  await new Promise((resolve) => apiServer.close(resolve));
  await api.close();
});

/** A raw request: the path goes on the wire exactly as written (fetch and supertest would normalise it). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${webUrl}/`, { method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the proxy forwards only normalised /api paths', () => {
  const cron = () => ({ Authorization: `Bearer ${api.deps.config.cronSecret}` });

  test.each([
    '/api/%2e%2e/metrics',
    '/api/%2E%2E/metrics',
    '/api/.%2e/metrics',
    '/api/%2e./metrics',
    '/api/../metrics',
    '/api/./../metrics',
    '/api/x/..%2f..%2fmetrics',
    '/api%2f..%2fmetrics',
    '/api/..%5cmetrics',
    '/api/..\\metrics',
    '/admin/queues/../../metrics',
    '//127.0.0.1/metrics',
  ])('%s is refused (400), never /metrics', async (path) => {
    const res = await raw('GET', path, cron());
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe('BAD_PATH');
    expect(res.body).not.toMatch(/arkive_/);
  });

  test('normal paths pass byte for byte; /metrics itself is not proxied', async () => {
    expect((await raw('GET', '/api/health')).status).toBe(200);
    expect((await raw('GET', '/metrics', cron())).status).toBe(404);
    const runs = await raw('GET', '/api/runs?q=web%2Frun&lock=false', owner.auth);
    expect(runs.status).toBe(200);
    // Percent-encoding the API refuses still reaches it as sent (and gets its 400, not a proxy guess).
    const bad = await raw('GET', '/api/operations/%ff%fe', owner.auth);
    expect(JSON.parse(bad.body).error.code).toBe('BAD_PATH_ENCODING');
  });

  test('normalisedTarget keeps the query as is and refuses what parsers disagree on', () => {
    expect(normalisedTarget('/api/runs/a.b/x?next=/../%2e%2e')).toEqual({
      path: '/api/runs/a.b/x',
      search: '?next=/../%2e%2e',
    });
    expect(normalisedTarget('/api/runs/...')).not.toBeNull();
    for (const bad of ['api/x', 'http://evil.example/api/x', '/api/x#y', '/api/x y', '/api/%2E'])
      expect(normalisedTarget(bad)).toBeNull();
  });
});

describe('cross-site requests through the web origin', () => {
  const cookie = () => ({ Cookie: `${SESSION_COOKIE}=${owner.token}`, 'Content-Type': 'application/json' });
  const addMember = (headers: Record<string, string>) =>
    raw(
      'POST',
      '/api/runs/web-run/members',
      headers,
      JSON.stringify({ username: 'w-other', role: 'viewer' }),
    );

  test('a page of our own origin may change things with the cookie; another site may not', async () => {
    const evil = await addMember({ ...cookie(), Origin: 'http://evil.example' });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body).error.code).toBe('CROSS_SITE_REQUEST');
    expect((await addMember({ ...cookie(), 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    // The browser's Origin is the web server's host (the API sees it as X-Forwarded-Host).
    expect((await addMember({ ...cookie(), Origin: webUrl })).status).toBe(200);
    expect((await addMember({ ...cookie(), 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200);
    const form = await raw(
      'POST',
      '/api/runs/web-run/members',
      { ...cookie(), 'Content-Type': 'application/x-www-form-urlencoded', Origin: webUrl },
      'username=w-other&role=owner',
    );
    expect(form.status).toBe(415);
    const roles = await api.world.prisma.runMember.findMany({
      where: { runId: 'web-run', userId: other.id },
    });
    expect(roles.map((r) => r.role)).toEqual(['viewer']);
  });
});

describe('the socket.io handshake checks Origin', () => {
  function socket(headers: Record<string, string>, transport: 'websocket' | 'polling') {
    const s = connect(webUrl, {
      transports: [transport],
      forceNew: true,
      reconnection: false,
      extraHeaders: { cookie: `${SESSION_COOKIE}=${owner.token}`, ...headers },
    });
    sockets.push(s);
    return new Promise<'connected' | string>((resolve) => {
      s.once('connect', () => resolve('connected'));
      s.once('connect_error', (err) => resolve(err.message));
    });
  }

  test.each(['websocket', 'polling'] as const)('%s: another site is refused', async (transport) => {
    expect(await socket({ origin: 'http://evil.example' }, transport)).not.toBe('connected');
    expect(await socket({ origin: 'null' }, transport)).not.toBe('connected');
    expect(await socket({ 'sec-fetch-site': 'cross-site' }, transport)).not.toBe('connected');
  });

  test.each(['websocket', 'polling'] as const)(
    '%s: our own pages and non-browser clients connect',
    async (transport) => {
      expect(await socket({ origin: webUrl }, transport)).toBe('connected');
      expect(await socket({ 'sec-fetch-site': 'same-origin' }, transport)).toBe('connected');
      expect(await socket({}, transport)).toBe('connected');
    },
  );
});

describe('client addresses through the proxy', () => {
  test('an X-Forwarded-For the client wrote itself does not give it a fresh address at the API', async () => {
    const guess = (i: number) =>
      raw(
        'POST',
        '/api/auth/login',
        { 'Content-Type': 'application/json', 'X-Forwarded-For': `203.0.113.${i}` },
        JSON.stringify({ username: 'w-other', password: `wrong guess ${i}` }),
      );
    for (let i = 0; i < 3; i++) expect((await guess(i)).status).toBe(401);
    const limited = await guess(99);
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.body).error.details).toMatchObject({ scope: 'address' });
  });
});

describe('pages with a path that does not percent-decode', () => {
  // Next cannot load inside jest's VM, so this web server (with Next) runs as a child process, as in e2e/system.ts.
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill('SIGTERM'));

  test('are 400 BAD_PATH_ENCODING from the web server, not a 500 from Next', async () => {
    ensureNextBuild();
    const port = await freePort();
    const webDir = path.resolve(__dirname, '../../web');
    child = spawn(process.execPath, ['--import', 'tsx', path.join(webDir, 'server', 'index.ts')], {
      cwd: webDir,
      env: {
        ...process.env,
        ...api.world.env,
        WEB_PORT: String(port),
        API_URL: `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`,
        TSX_TSCONFIG_PATH: path.join(webDir, 'e2e', 'tsconfig.tsx.json'),
        NEXT_TELEMETRY_DISABLED: '1',
      },
      stdio: 'ignore',
    });
    const pages = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 300; i++) {
      if ((await fetch(`${pages}/healthz`).catch(() => undefined))?.ok) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const p of ['/runs/%ff', '/operations/%E0%A4%A', '/runs/%ed%a0%80/members', '/jobs/%']) {
      const res = await fetch(`${pages}${p}`, {
        headers: { cookie: `${SESSION_COOKIE}=${owner.token}` },
        redirect: 'manual',
      });
      expect({ p, status: res.status }).toEqual({ p, status: 400 });
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_PATH_ENCODING');
    }
    expect((await fetch(`${pages}/login`, { redirect: 'manual' })).status).toBe(200);
  });
});

describe('access changes reach open sockets at once', () => {
  test('a member removed through the API stops hearing the run at once, on its channel and on operations', async () => {
    await request(api.app)
      .post('/api/runs/web-run/members')
      .set(owner.auth)
      .send({ username: member.username, role: 'viewer' })
      .expect(200);
    const s = connect(webUrl, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: { cookie: `${SESSION_COOKIE}=${member.token}`, origin: webUrl },
    }) as Socket<ServerToClientEvents, ClientToServerEvents>;
    sockets.push(s);
    await new Promise<void>(
      (resolve, reject) => (s.once('connect', () => resolve()), s.once('connect_error', reject)),
    );
    const heard: string[] = [];
    s.on('event', (e) => heard.push(`${e.channel} ${e.message}`));
    const join = (channel: string) => new Promise<JoinAck>((resolve) => s.emit('join', { channel }, resolve));
    expect(await join('web-run:archive')).toMatchObject({ ok: true });
    expect(await join('operations')).toMatchObject({ ok: true });
    const publisher = new EventPublisher(api.world.redis, api.world.prefix);
    const update = (message: string) =>
      publishOperationEvent(
        { publisher },
        {
          id: 'op-w',
          kind: 'run-snapshot',
          status: 'running',
          scopeType: 'run',
          scopeId: 'web-run',
          channel: 'web-run:archive',
        },
        'STATUS',
        message,
      );
    await update('while a member');
    await waitFor(() => heard.filter((h) => h.endsWith('while a member')).length === 2);
    const revoked = new Promise<{ channel: string }>((resolve) => s.once('revoked', resolve));
    await request(api.app).delete(`/api/runs/web-run/members/${member.username}`).set(owner.auth).expect(204);
    expect((await revoked).channel).toBe('web-run:archive');
    await update('after removal');
    await update('after removal, again');
    await new Promise((r) => setTimeout(r, 300));
    expect(heard.filter((h) => h.includes('after removal'))).toEqual([]);
  });
});
