import request from 'supertest';
import { parseConfig } from '@arkive/shared';
import { proxyTrust } from '../http/trust-proxy';
import { createApiWorld, type ApiWorld } from '../test-support/api-world';
import { makeUser, TEST_PASSWORD, type TestUser } from '../test-support/users';

/**
 * Throttling of secret guessing. Each test speaks from its own client address: the API trusts
 * one loopback proxy hop (our web server), so from supertest the last X-Forwarded-For entry is
 * the client, exactly as the web proxy reports a browser.
 */
let api: ApiWorld;
const MAX = 5;
const MAX_PER_IP = 12;

beforeAll(async () => {
  api = await createApiWorld({
    LOGIN_MAX_FAILURES: String(MAX),
    LOGIN_MAX_FAILURES_PER_IP: String(MAX_PER_IP),
    LOGIN_SLOWDOWN_SECONDS: '60',
  });
});
afterAll(() => api.close());

const from = (ip: string) => ({ 'X-Forwarded-For': ip });
const login = (ip: string, username: string, password: string) =>
  request(api.app).post('/api/auth/login').set(from(ip)).send({ username, password });

test('concurrent wrong passwords: exactly LOGIN_MAX_FAILURES are checked, the rest are 429', async () => {
  await makeUser(api, 'racer');
  const answers = await Promise.all(
    Array.from({ length: 30 }, () => login('192.0.2.1', 'racer', 'wrong-password!')),
  );
  const statuses = answers.map((r) => r.status).sort();
  expect(statuses.filter((s) => s === 401)).toHaveLength(MAX);
  expect(statuses.filter((s) => s === 429)).toHaveLength(30 - MAX);
});

test("a locked account still lets its owner in from a clean address; the attacker's address stays locked", async () => {
  await makeUser(api, 'boss');
  for (let i = 0; i < MAX; i++) await login('192.0.2.66', 'boss', 'guess-number-' + i).expect(401);
  const attacker = await login('192.0.2.66', 'boss', TEST_PASSWORD).expect(429);
  expect(attacker.body.error).toMatchObject({
    code: 'TOO_MANY_ATTEMPTS',
    details: { scope: 'account-address' },
  });
  expect(Number(attacker.headers['retry-after'])).toBeGreaterThan(60);
  // The owner, from another address, signs in at once (before: 429 for 15 minutes).
  await login('198.51.100.7', 'boss', TEST_PASSWORD).expect(200);
  // Guessing spread over fresh addresses is slowed down on the account: one attempt per
  // LOGIN_SLOWDOWN_SECONDS (the owner's sign-in above took the current slot).
  const spread = await login('203.0.113.50', 'boss', 'another-guess!!').expect(429);
  expect(spread.body.error.details).toMatchObject({ scope: 'account' });
  expect(Number(spread.headers['retry-after'])).toBeLessThanOrEqual(60);
  // The attacker's own address is still locked out of the account, right password or not.
  await login('192.0.2.66', 'boss', TEST_PASSWORD).expect(429);
});

test('the per-address limit counts the address our proxy saw, not what the client wrote before it', async () => {
  const alice = await makeUser(api, 'alice');
  const targets = [await makeUser(api, 'g0'), await makeUser(api, 'g1'), await makeUser(api, 'g2')];
  // What the web proxy forwards for a client that sends its own X-Forwarded-For: "<forged>, <real>".
  for (let i = 0; i < MAX_PER_IP; i++)
    await request(api.app)
      .post('/api/auth/login')
      .set(from(`203.0.113.${i}, 192.0.2.99`))
      .send({ username: targets[i % 3].username, password: 'wrong-password!' })
      .expect(401);
  const limited = await request(api.app)
    .post('/api/auth/login')
    .set(from('198.18.0.1, 192.0.2.99'))
    .send({ username: alice.username, password: TEST_PASSWORD })
    .expect(429);
  expect(limited.body.error.details).toMatchObject({ scope: 'address' });
  // Another client address is unaffected.
  await login('198.18.0.2', 'alice', TEST_PASSWORD).expect(200);
});

test('POST /api/auth/password is throttled with the same counters as sign-in', async () => {
  const carol: TestUser = await makeUser(api, 'carol');
  const change = (current: string) =>
    request(api.app)
      .post('/api/auth/password')
      .set(carol.auth)
      .set(from('192.0.2.33'))
      .send({ current_password: current, new_password: 'a brand new password' });
  for (let i = 0; i < MAX; i++) await change(`wrong-${i}-password`).expect(401);
  const limited = await change(TEST_PASSWORD).expect(429);
  expect(limited.body.error.code).toBe('TOO_MANY_ATTEMPTS');
  await login('192.0.2.33', 'carol', TEST_PASSWORD).expect(429);
  // From the owner's own clean address the change works.
  await request(api.app)
    .post('/api/auth/password')
    .set(carol.auth)
    .set(from('198.51.100.33'))
    .send({ current_password: TEST_PASSWORD, new_password: 'a brand new password' })
    .expect(200);
});

test('wrong cron secrets count against the address (tick and /metrics), so the secret cannot be guessed', async () => {
  const ip = from('192.0.2.77');
  const guess = (i: number) => `Bearer guess-${i}-of-the-cron-secret`;
  for (let i = 0; i < MAX_PER_IP; i++) {
    const req = i % 2 ? request(api.app).get('/metrics') : request(api.app).post('/api/cron/tick');
    expect((await req.set(ip).set('Authorization', guess(i))).status).toBe(401);
  }
  const right = { Authorization: `Bearer ${api.deps.config.cronSecret}` };
  await request(api.app).post('/api/cron/tick').set(ip).set(right).expect(429);
  await request(api.app).get('/metrics').set(ip).set(right).expect(429);
  await request(api.app).post('/api/cron/tick').set(from('192.0.2.78')).set(right).expect(200);
});

test('TRUST_PROXY / TRUST_PROXY_HOPS: only the configured hops are believed', () => {
  const trust = (env: Record<string, string>) =>
    proxyTrust(parseConfig({ JWT_SECRET: 'x'.repeat(32), ...env }));
  const byDefault = trust({});
  expect(byDefault('127.0.0.1', 0)).toBe(true);
  expect(byDefault('::ffff:127.0.0.1', 0)).toBe(true);
  expect(byDefault('::1', 0)).toBe(true);
  // The hop behind our web server is the client, even when it is loopback too.
  expect(byDefault('127.0.0.1', 1)).toBe(false);
  expect(byDefault('10.0.0.5', 0)).toBe(false);
  const compose = trust({ TRUST_PROXY: '172.28.0.30', TRUST_PROXY_HOPS: '1' });
  expect(compose('172.28.0.30', 0)).toBe(true);
  expect(compose('172.28.0.31', 0)).toBe(false);
  const chain = trust({ TRUST_PROXY: 'loopback, 10.1.0.0/16', TRUST_PROXY_HOPS: '2' });
  expect([chain('127.0.0.1', 0), chain('10.1.2.3', 1), chain('10.1.2.3', 2)]).toEqual([true, true, false]);
  expect(trust({ TRUST_PROXY: 'none' })('127.0.0.1', 0)).toBe(false);
  expect(() => parseConfig({ TRUST_PROXY: 'loopback,banana' })).toThrow(/TRUST_PROXY/);
  expect(() => parseConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
  expect(() => parseConfig({ CRON_SECRET: 'short' })).toThrow(/CRON_SECRET: must be at least 16/);
});
