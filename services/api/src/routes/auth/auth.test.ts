import request from 'supertest';
import { issueSessionToken, SESSION_COOKIE } from '@arkive/shared';
import { ensureFirstAdmin } from '../../auth/bootstrap-admin';
import { createApp } from '../../app';
import { createDeps } from '../../deps';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';
import { makeUser, TEST_PASSWORD } from '../../test-support/users';

let api: ApiWorld;
beforeAll(async () => {
  api = await createApiWorld({ LOGIN_MAX_FAILURES: '3', LOGIN_MAX_FAILURES_PER_IP: '6' });
});
afterAll(() => api.close());

test('login returns a bearer token and sets the httpOnly session cookie; me answers with it', async () => {
  await makeUser(api, 'alice');
  const res = await request(api.app)
    .post('/api/auth/login')
    .send({ username: 'alice', password: TEST_PASSWORD })
    .expect(200);
  expect(res.body).toMatchObject({
    token_type: 'bearer',
    user: { username: 'alice', is_admin: false, must_change_password: false },
  });
  expect(typeof res.body.access_token).toBe('string');
  const cookie = String(res.headers['set-cookie']);
  expect(cookie).toContain(`${SESSION_COOKIE}=`);
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Lax/i);
  const me = await request(api.app)
    .get('/api/auth/me')
    .set('Authorization', `Bearer ${res.body.access_token}`)
    .expect(200);
  expect(me.body).toMatchObject({ username: 'alice', is_admin: false });
  expect(me.body.last_login).toBeTruthy();
  const viaCookie = await request(api.app)
    .get('/api/auth/me')
    .set('Cookie', `${SESSION_COOKIE}=${res.body.access_token}`)
    .expect(200);
  expect(viaCookie.body.username).toBe('alice');
});

test('wrong password and unknown user get the same 401', async () => {
  const a = await request(api.app)
    .post('/api/auth/login')
    .send({ username: 'alice', password: 'nope-nope-nope' })
    .expect(401);
  const b = await request(api.app)
    .post('/api/auth/login')
    .send({ username: 'nobody', password: 'nope-nope-nope' })
    .expect(401);
  expect(a.body.error.code).toBe('INVALID_CREDENTIALS');
  expect(b.body.error).toEqual(a.body.error);
  await api.deps.redis.del(
    `${api.world.prefix}auth:login-failures:user:alice`,
    `${api.world.prefix}auth:login-failures:pair:alice:127.0.0.1`,
    `${api.world.prefix}auth:login-failures:ip:127.0.0.1`,
  );
});

test('logout revokes the token and clears the cookie', async () => {
  const bob = await makeUser(api, 'bob');
  await request(api.app).get('/api/auth/me').set(bob.auth).expect(200);
  const out = await request(api.app).post('/api/auth/logout').set(bob.auth).expect(204);
  expect(String(out.headers['set-cookie'])).toMatch(new RegExp(`${SESSION_COOKIE}=;`));
  const after = await request(api.app).get('/api/auth/me').set(bob.auth).expect(401);
  expect(after.body.error.code).toBe('SESSION_REVOKED');
  await request(api.app).post('/api/auth/logout').expect(401);
});

test('an expired or forged token is refused with a code that says so', async () => {
  const user = await api.world.prisma.user.findUniqueOrThrow({ where: { username: 'alice' } });
  const expired = await issueSessionToken(api.deps.config, user, -1);
  const r1 = await request(api.app)
    .get('/api/auth/me')
    .set('Authorization', `Bearer ${expired.token}`)
    .expect(401);
  expect(r1.body.error.code).toBe('SESSION_EXPIRED');
  const forged = await issueSessionToken(
    { ...api.deps.config, jwtSecret: 'another-secret-of-enough-length' },
    { ...user, isAdmin: true },
  );
  const r2 = await request(api.app)
    .get('/api/auth/me')
    .set('Authorization', `Bearer ${forged.token}`)
    .expect(401);
  expect(r2.body.error.code).toBe('SESSION_INVALID');
  await request(api.app).get('/api/auth/me').expect(401);
});

test('short JWT_EXPIRES_MINUTES is honoured', async () => {
  const short = await createApiWorld({ JWT_EXPIRES_MINUTES: '1' });
  try {
    await makeUser(short, 'carol');
    const res = await request(short.app)
      .post('/api/auth/login')
      .send({ username: 'carol', password: TEST_PASSWORD })
      .expect(200);
    const ms = Date.parse(res.body.expires_at) - Date.now();
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThanOrEqual(61_000);
  } finally {
    await short.close();
  }
});

test('a deleted user loses their session at once', async () => {
  const dave = await makeUser(api, 'dave');
  await api.world.prisma.user.delete({ where: { id: dave.id } });
  await request(api.app).get('/api/auth/me').set(dave.auth).expect(401);
});

test('login is rate limited per username and address, with Retry-After', async () => {
  await makeUser(api, 'erin');
  for (let i = 0; i < 3; i++)
    await request(api.app)
      .post('/api/auth/login')
      .send({ username: 'erin', password: 'wrong-password!' })
      .expect(401);
  const limited = await request(api.app)
    .post('/api/auth/login')
    .send({ username: 'erin', password: TEST_PASSWORD })
    .expect(429);
  expect(limited.body.error.code).toBe('TOO_MANY_ATTEMPTS');
  expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  // Another user from the same address is not locked out by erin's counter (the IP limit is higher).
  await request(api.app)
    .post('/api/auth/login')
    .send({ username: 'alice', password: TEST_PASSWORD })
    .expect(200);
});

test('login is rate limited per client address across usernames', async () => {
  const ip = { 'X-Forwarded-For': '203.0.113.9' };
  // The API trusts one loopback proxy hop (our web server): from loopback, the last X-Forwarded-For entry is the client.
  for (let i = 0; i < 6; i++)
    await request(api.app)
      .post('/api/auth/login')
      .set(ip)
      .send({ username: `ghost${i}`, password: 'wrong-password!' })
      .expect(401);
  const limited = await request(api.app)
    .post('/api/auth/login')
    .set(ip)
    .send({ username: 'alice', password: TEST_PASSWORD })
    .expect(429);
  expect(limited.body.error.code).toBe('TOO_MANY_ATTEMPTS');
});

test('the first admin gets a generated password and must change it before anything else', async () => {
  const first = await ensureFirstAdmin(api.world.prisma, { adminUsername: 'root', adminPassword: undefined });
  expect(first.created).toBe(true);
  expect(first.generatedPassword).toMatch(/^.{24}$/);
  expect(
    (await ensureFirstAdmin(api.world.prisma, { adminUsername: 'root', adminPassword: undefined })).created,
  ).toBe(false);
  const login = await request(api.app)
    .post('/api/auth/login')
    .send({ username: 'root', password: first.generatedPassword })
    .expect(200);
  expect(login.body.user).toMatchObject({ is_admin: true, must_change_password: true });
  const auth = { Authorization: `Bearer ${login.body.access_token}` };
  const blocked = await request(api.app).get('/api/users').set(auth).expect(403);
  expect(blocked.body.error.code).toBe('PASSWORD_CHANGE_REQUIRED');
  await request(api.app).get('/api/runs').set(auth).expect(403);
  await request(api.app).get('/api/auth/me').set(auth).expect(200);
  const short = await request(api.app)
    .post('/api/auth/password')
    .set(auth)
    .send({ current_password: first.generatedPassword, new_password: 'short' })
    .expect(400);
  expect(short.body.error.code).toBe('VALIDATION_FAILED');
  await request(api.app)
    .post('/api/auth/password')
    .set(auth)
    .send({ current_password: 'wrong', new_password: 'a much better password' })
    .expect(401);
  const changed = await request(api.app)
    .post('/api/auth/password')
    .set(auth)
    .send({ current_password: first.generatedPassword, new_password: 'a much better password' })
    .expect(200);
  expect(changed.body.user.must_change_password).toBe(false);
  // The old token ended with the change; the new one works everywhere.
  await request(api.app).get('/api/auth/me').set(auth).expect(401);
  await request(api.app)
    .get('/api/users')
    .set('Authorization', `Bearer ${changed.body.access_token}`)
    .expect(200);
  await request(api.app)
    .post('/api/auth/login')
    .send({ username: 'root', password: 'a much better password' })
    .expect(200);
});

test('ensureFirstAdmin uses ARKIVE_ADMIN_PASSWORD when set and then does nothing', async () => {
  const w = await createApiWorld();
  try {
    const r = await ensureFirstAdmin(w.world.prisma, {
      adminUsername: 'boss',
      adminPassword: 'configured password 1',
    });
    expect(r).toEqual({ created: true, username: 'boss' });
    const res = await request(w.app)
      .post('/api/auth/login')
      .send({ username: 'boss', password: 'configured password 1' })
      .expect(200);
    expect(res.body.user.must_change_password).toBe(false);
  } finally {
    await w.close();
  }
});

test('when Redis is unreachable, guarded routes answer 503 AUTH_UNAVAILABLE and public ones still answer', async () => {
  const deps = createDeps(
    { ...api.world.config, redisUrl: 'redis://127.0.0.1:1' },
    { prisma: api.world.prisma },
  );
  deps.redis.on('error', () => undefined);
  try {
    const app = createApp(deps);
    const token = (await issueSessionToken(api.deps.config, { id: 1, username: 'x', isAdmin: false })).token;
    const res = await request(app).get('/api/auth/me').set('Authorization', `Bearer ${token}`).expect(503);
    expect(res.body.error.code).toBe('AUTH_UNAVAILABLE');
    await request(app).get('/api/openapi.json').set('Authorization', `Bearer ${token}`).expect(200);
  } finally {
    deps.redis.disconnect();
  }
});
