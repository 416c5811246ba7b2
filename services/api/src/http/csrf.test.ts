import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { createSnapshot, SESSION_COOKIE } from '@arkive/shared';
import { createApiWorld, type ApiWorld } from '../test-support/api-world';
import { makeRun, makeUser, type TestUser } from '../test-support/users';

/**
 * CSRF: a page on another site can make the browser send our session cookie, but not an
 * `Authorization` header, a JSON content type, or a same-origin Origin / Sec-Fetch-Site.
 */
let api: ApiWorld;
let vic: TestUser, mallory: TestUser;
const EVIL = 'http://evil.example';

beforeAll(async () => {
  api = await createApiWorld({ CORS_ORIGINS: 'https://ui.example.com' });
  vic = await makeUser(api, 'vic');
  mallory = await makeUser(api, 'mallory');
  await makeRun(api, 'vic', vic);
  // A real snapshot: the restore route checks the archive before it queues anything.
  const runDir = path.join(api.deps.config.runsRoot, 'vic');
  await fs.writeFile(path.join(runDir, 'data.txt'), 'vic data\n');
  await createSnapshot({ runDir, outDir: path.join(runDir, 'archives'), name: 'snap.zip' });
});
afterAll(() => api.close());

const cookie = () => ({ Cookie: `${SESSION_COOKIE}=${vic.token}` });
const members = async () =>
  (await api.world.prisma.runMember.findMany({ where: { runId: 'vic' }, include: { user: true } })).map(
    (m) => `${m.user.username}:${m.role}`,
  );
const restores = () => api.world.prisma.operation.count({ where: { scopeId: 'vic', kind: 'run-restore' } });

test('the reported forgeries: cookie + Origin evil.example, form bodies → refused, nothing changes', async () => {
  const restore = await request(api.app)
    .post('/api/runs/vic/restore')
    .set(cookie())
    .set('Origin', EVIL)
    .type('form')
    .send('archive_name=snap.zip&pre_restore_snapshot=false');
  expect(restore.status).toBe(403);
  expect(restore.body.error.code).toBe('CROSS_SITE_REQUEST');
  const member = await request(api.app)
    .post('/api/runs/vic/members')
    .set(cookie())
    .set('Origin', EVIL)
    .type('form')
    .send('username=mallory&role=owner');
  expect(member.status).toBe(403);
  // The same as JSON (what a cross-site fetch without CORS could at most attempt) is refused too.
  await request(api.app)
    .post('/api/runs/vic/members')
    .set(cookie())
    .set('Origin', EVIL)
    .send({ username: 'mallory', role: 'owner' })
    .expect(403);
  expect(await members()).toEqual(['vic:owner']);
  expect(await restores()).toBe(0);
});

test('cookie requests need a same-origin Origin or Sec-Fetch-Site; null and missing ones are refused', async () => {
  const attempt = (headers: Record<string, string>) =>
    request(api.app)
      .post('/api/runs/vic/members')
      .set(cookie())
      .set(headers)
      .send({ username: 'mallory', role: 'viewer' });
  const forged: Record<string, string>[] = [
    {},
    { Origin: 'null' },
    { 'Sec-Fetch-Site': 'cross-site' },
    { 'Sec-Fetch-Site': 'same-site' },
    { Origin: 'http://127.0.0.1.evil.example' },
    { Origin: EVIL, 'Sec-Fetch-Site': 'cross-site' },
    // X-Forwarded-Host counts only from a trusted proxy; Origin must then still match it.
    { Origin: EVIL, 'X-Forwarded-Host': '127.0.0.1:3000' },
  ];
  for (const headers of forged) {
    const res = await attempt(headers);
    expect({ headers, status: res.status, code: res.body.error?.code }).toEqual({
      headers,
      status: 403,
      code: 'CROSS_SITE_REQUEST',
    });
  }
  expect(await members()).toEqual(['vic:owner']);
  // What the web app's own fetch sends: Sec-Fetch-Site, and Origin = the host it talks to.
  await attempt({ 'Sec-Fetch-Site': 'same-origin', Origin: 'http://elsewhere.example' }).expect(200);
  const host = `127.0.0.1:3000`;
  await attempt({ Origin: `http://${host}`, 'X-Forwarded-Host': host }).expect(200);
  await attempt({ Origin: 'https://ui.example.com', 'Sec-Fetch-Site': 'cross-site' }).expect(200);
  expect(await members()).toEqual(['vic:owner', 'mallory:viewer']);
  await request(api.app)
    .delete('/api/runs/vic/members/mallory')
    .set(cookie())
    .set('Sec-Fetch-Site', 'same-origin')
    .expect(204);
});

test('bearer requests are not affected by Origin; safe methods never are', async () => {
  await request(api.app)
    .post('/api/runs/vic/members')
    .set(vic.auth)
    .set('Origin', EVIL)
    .send({ username: 'mallory', role: 'viewer' })
    .expect(200);
  await request(api.app).delete('/api/runs/vic/members/mallory').set(vic.auth).expect(204);
  await request(api.app).get('/api/runs/vic').set(cookie()).set('Origin', EVIL).expect(200);
  await request(api.app).get('/api/runs/vic').set(cookie()).expect(200);
  // Another user's bearer token with a forged Origin gains nothing either: authorization still applies.
  await request(api.app)
    .post('/api/runs/vic/members')
    .set(mallory.auth)
    .send({ username: 'mallory', role: 'owner' })
    .expect(404);
});

test('sign-in and the ops surfaces follow the same rule', async () => {
  // Login CSRF (signing the victim into the attacker's account) from another site.
  await request(api.app)
    .post('/api/auth/login')
    .set('Origin', EVIL)
    .send({ username: 'mallory', password: 'x' })
    .expect(403);
  await request(api.app)
    .post('/api/auth/logout')
    .set(cookie())
    .set('Sec-Fetch-Site', 'cross-site')
    .expect(403);
  await request(api.app).get('/api/auth/me').set(cookie()).expect(200);
  const admin = await makeUser(api, 'csrf-admin', { isAdmin: true });
  const board = await request(api.app)
    .put('/admin/queues/api/queues/compress/retry/failed')
    .set('Cookie', `${SESSION_COOKIE}=${admin.token}`)
    .set('Origin', EVIL);
  expect(board.status).toBe(403);
  expect(board.body.error.code).toBe('CROSS_SITE_REQUEST');
});

test('a JSON API: form, multipart and text bodies are 415 for everyone, JSON and empty bodies pass', async () => {
  for (const [type, body] of [
    ['application/x-www-form-urlencoded', 'username=mallory&role=owner'],
    [
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="role"\r\n\r\nowner\r\n--x--',
    ],
    ['text/plain', '{"username":"mallory","role":"owner"}'],
    ['application/xml', '<x/>'],
  ]) {
    const res = await request(api.app)
      .post('/api/runs/vic/members')
      .set(vic.auth)
      .set('Content-Type', type)
      .send(body);
    expect({ type, status: res.status, code: res.body.error?.code }).toEqual({
      type,
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
  }
  expect(await members()).toEqual(['vic:owner']);
  await request(api.app)
    .post('/api/runs/vic/restore')
    .set(vic.auth)
    .set('Content-Type', 'application/json; charset=utf-8')
    .send(JSON.stringify({ archive_name: 'snap.zip', pre_restore_snapshot: false }))
    .expect(202);
  // No body at all (logout, cancel) needs no content type.
  await request(api.app).post('/api/auth/logout').set(mallory.auth).expect(204);
});
