import request from 'supertest';
import { createProducerRedis } from '@arkive/shared';
import { createDeps } from '../deps';
import { createApp } from '../app';
import { createApiWorld, type ApiWorld } from '../test-support/api-world';

let api: ApiWorld;
beforeAll(async () => {
  api = await createApiWorld();
});
afterAll(() => api.close());

test('health reports Redis, Postgres and storage healthy', async () => {
  const res = await request(api.app).get('/api/health').expect(200);
  expect(res.body.status).toBe('healthy');
  expect(res.body.checks.redis.ok).toBe(true);
  expect(res.body.checks.postgres.ok).toBe(true);
  expect(res.body.checks.storage).toMatchObject({ ok: true, detail: { driver: 'local' } });
});

test('health answers 503 naming the part that is down', async () => {
  const redis = createProducerRedis('redis://127.0.0.1:1', {
    retryStrategy: () => null,
    connectTimeout: 500,
  });
  const deps = createDeps(
    { ...api.world.config, redisUrl: 'redis://127.0.0.1:1' },
    { prisma: api.world.prisma, redis },
  );
  deps.redis.on('error', () => undefined);
  const res = await request(createApp(deps)).get('/api/health').expect(503);
  expect(res.body.status).toBe('unhealthy');
  expect(res.body.checks.redis.ok).toBe(false);
  expect(res.body.checks.redis.error).toBeTruthy();
  expect(res.body.checks.postgres.ok).toBe(true);
  deps.redis.disconnect();
});

test('producers fail fast when Redis is down: a sign-in answers 503 REDIS_UNAVAILABLE, never a 500 or a hang', async () => {
  const deps = createDeps(
    { ...api.world.config, redisUrl: 'redis://127.0.0.1:1' },
    { prisma: api.world.prisma },
  );
  deps.redis.on('error', () => undefined);
  try {
    const res = await request(createApp(deps))
      .post('/api/auth/login')
      .send({ username: 'nobody', password: 'whatever it is' })
      .expect(503);
    expect(res.body.error.code).toMatch(/^(REDIS_UNAVAILABLE|AUTH_UNAVAILABLE)$/);
  } finally {
    deps.redis.disconnect();
  }
});

test('unknown routes and malformed bodies get structured errors', async () => {
  const missing = await request(api.app).get('/api/nope').expect(404);
  expect(missing.body.error.code).toBe('ROUTE_NOT_FOUND');
  const bad = await request(api.app)
    .post('/api/operations/x/cancel')
    .set('Content-Type', 'application/json')
    .send('{"a":')
    .expect(400);
  expect(bad.body.error.code).toBe('MALFORMED_JSON');
});
