import request from 'supertest';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';
import { makeUser, type TestUser } from '../../test-support/users';
import {
  maintenanceDutyNames,
  registerMaintenanceDuty,
  startMaintenance,
  MAINTENANCE_QUEUE,
} from '../../maintenance';
import { waitFor } from '@arkive/shared/test-support/harness';

let api: ApiWorld;
let admin: TestUser, user: TestUser;
beforeAll(async () => {
  api = await createApiWorld({ CORS_ORIGINS: 'https://ui.example.com' });
  admin = await makeUser(api, 'o-admin', { isAdmin: true });
  user = await makeUser(api, 'o-user');
});
afterAll(() => api.close());

const cron = () => ({ Authorization: `Bearer ${api.deps.config.cronSecret}` });

test('bull-board: admins only (401 anonymous, 403 others)', async () => {
  await request(api.app).get('/admin/queues').expect(401);
  const denied = await request(api.app).get('/admin/queues').set(user.auth).expect(403);
  expect(denied.body.error.code).toBe('FORBIDDEN');
  const ok = await request(api.app)
    .get('/admin/queues')
    .set('Cookie', `arkive_session=${admin.token}`)
    .expect(200);
  expect(ok.text).toMatch(/<html/i);
  const queues = await request(api.app).get('/admin/queues/api/queues').set(admin.auth).expect(200);
  expect(queues.body.queues.map((q: { name: string }) => q.name)).toEqual(
    expect.arrayContaining(['compress', 'restore', MAINTENANCE_QUEUE]),
  );
});

test('cron tick: needs the secret; runs the duties, including operation expiry and the stale reaper', async () => {
  await request(api.app).post('/api/cron/tick').expect(401);
  await request(api.app).post('/api/cron/tick').set('Authorization', 'Bearer wrong').expect(401);
  const expiring = await api.world.prisma.operation.create({
    data: {
      kind: 'run-snapshot',
      queue: 'compress',
      scopeType: 'run',
      scopeId: 'r',
      input: { runid: 'r' },
      expiresAt: new Date(Date.now() - 1000),
    },
  });
  const stale = await api.world.prisma.operation.create({
    data: {
      kind: 'run-snapshot',
      queue: 'compress',
      scopeType: 'run',
      scopeId: 'r2',
      input: { runid: 'r2' },
      status: 'running',
      heartbeatAt: new Date(Date.now() - 3600_000),
    },
  });
  let hookRan = 0;
  registerMaintenanceDuty('test-hook', async () => ++hookRan);
  const res = await request(api.app).post('/api/cron/tick').set(cron()).expect(200);
  expect(res.body.duties['expire-operations']).toMatchObject({
    ok: true,
    result: { expired: [expiring.id] },
  });
  expect(res.body.duties['reap-stale-operations']).toMatchObject({
    ok: true,
    result: { reaped: [stale.id] },
  });
  expect(res.body.duties['test-hook']).toMatchObject({ ok: true, result: 1 });
  expect((await api.world.prisma.operation.findUniqueOrThrow({ where: { id: expiring.id } })).status).toBe(
    'expired',
  );
  expect((await api.world.prisma.operation.findUniqueOrThrow({ where: { id: stale.id } })).status).toBe(
    'failed',
  );
  expect(maintenanceDutyNames()).toContain('test-hook');
});

test('cron endpoints answer 503 CRON_DISABLED when CRON_SECRET is unset', async () => {
  const w = await createApiWorld({ CRON_SECRET: '' });
  try {
    const res = await request(w.app)
      .post('/api/cron/tick')
      .set('Authorization', 'Bearer anything')
      .expect(503);
    expect(res.body.error.code).toBe('CRON_DISABLED');
  } finally {
    await w.close();
  }
});

test('the maintenance queue schedules itself every minute and its worker runs the duties', async () => {
  let ran = 0;
  registerMaintenanceDuty('count-runs', async () => ++ran);
  const m = await startMaintenance(api.deps, 60_000);
  try {
    const schedulers = await m.queue.getJobSchedulers();
    expect(schedulers).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'maintenance-tick', every: 60_000 })]),
    );
    await m.queue.add('tick', {});
    await waitFor(() => ran > 0);
  } finally {
    await m.queue.removeJobScheduler('maintenance-tick');
    await m.close();
  }
});

test('/metrics: admin session or cron secret; queue depths, operations, HTTP durations', async () => {
  await request(api.app).get('/metrics').expect(401);
  await request(api.app).get('/metrics').set(user.auth).expect(403);
  await api.world.prisma.operation.create({
    data: {
      kind: 'run-snapshot',
      queue: 'compress',
      scopeType: 'run',
      scopeId: 'm',
      input: { runid: 'm' },
      status: 'succeeded',
      startedAt: new Date(Date.now() - 5000),
      finishedAt: new Date(Date.now() + 1000),
    },
  });
  const res = await request(api.app).get('/metrics').set(cron()).expect(200);
  expect(res.text).toMatch(/arkive_queue_jobs\{queue="compress",state="waiting"\} \d+/);
  expect(res.text).toMatch(/arkive_operations\{kind="run-snapshot",status="succeeded"\} 1/);
  expect(res.text).toMatch(/arkive_operation_outcomes_total\{kind="run-snapshot",status="succeeded"\} 1/);
  expect(res.text).toMatch(
    /arkive_operation_duration_seconds_count\{kind="run-snapshot",status="succeeded"\} 1/,
  );
  expect(res.text).toMatch(
    /arkive_http_request_duration_seconds_count\{method="POST",route="\/api\/cron\/tick",status="200"\}/,
  );
  await request(api.app).get('/metrics').set(admin.auth).expect(200);
});

test('security headers, CORS only for listed origins, no stack traces, body size limit', async () => {
  const plain = await request(api.app).get('/api/health');
  expect(plain.headers['x-content-type-options']).toBe('nosniff');
  expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  const other = await request(api.app).get('/api/health').set('Origin', 'https://evil.example.com');
  expect(other.headers['access-control-allow-origin']).toBeUndefined();
  const listed = await request(api.app)
    .options('/api/auth/login')
    .set('Origin', 'https://ui.example.com')
    .set('Access-Control-Request-Method', 'POST')
    .expect(204);
  expect(listed.headers['access-control-allow-origin']).toBe('https://ui.example.com');
  expect(listed.headers['access-control-allow-credentials']).toBe('true');
  const big = await request(api.app)
    .post('/api/auth/login')
    .set('Content-Type', 'application/json')
    .send(JSON.stringify({ username: 'x', password: 'y'.repeat(2_000_000) }))
    .expect(413);
  expect(big.body.error.code).toBe('BODY_TOO_LARGE');
  expect(JSON.stringify(big.body)).not.toMatch(/at .*\.js/);
});
