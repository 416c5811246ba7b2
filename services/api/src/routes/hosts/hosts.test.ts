import request from 'supertest';
import { heartbeatHost, parseConfig } from '@arkive/shared';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';
import { makeUser, type TestUser } from '../../test-support/users';

let api: ApiWorld;
let alice: TestUser, admin: TestUser;
beforeAll(async () => {
  api = await createApiWorld();
  alice = await makeUser(api, 'alice');
  admin = await makeUser(api, 'admin', { isAdmin: true });
});
afterAll(() => api.close());

test('GET /api/hosts: live status from heartbeats, runs per host, RUNS_ROOT only for administrators', async () => {
  // Two hosts heartbeat as their workers would; a third stopped long ago; an admin turned one off.
  const cfg = (id: string) => parseConfig({ ...api.world.env, HOST_ID: id, RUNS_ROOT: `/srv/${id}/runs` });
  await heartbeatHost(api.deps.prisma, cfg('h1'), true);
  await heartbeatHost(api.deps.prisma, cfg('h2'), true);
  await heartbeatHost(api.deps.prisma, cfg('h3'), true);
  await heartbeatHost(api.deps.prisma, cfg('h4'), true);
  await api.deps.prisma.host.update({
    where: { id: 'h3' },
    data: { lastHeartbeatAt: new Date(Date.now() - 3600_000) },
  });
  await api.deps.prisma.host.update({ where: { id: 'h4' }, data: { status: 'off' } });
  await api.deps.prisma.run.create({ data: { id: 'on-h2', hostId: 'h2' } });

  const asAdmin = await request(api.app).get('/api/hosts').set(admin.auth).expect(200);
  expect(
    asAdmin.body.items.map((h: { id: string; status: string; runs_root: string; runs: number }) => [
      h.id,
      h.status,
      h.runs_root,
      h.runs,
    ]),
  ).toEqual([
    ['h1', 'online', '/srv/h1/runs', 0],
    ['h2', 'online', '/srv/h2/runs', 1],
    ['h3', 'offline', '/srv/h3/runs', 0],
    ['h4', 'off', '/srv/h4/runs', 0],
  ]);
  // A heartbeat after an admin turned the host off does not turn it back on.
  await heartbeatHost(api.deps.prisma, cfg('h4'));
  expect((await api.deps.prisma.host.findUniqueOrThrow({ where: { id: 'h4' } })).status).toBe('off');

  const asUser = await request(api.app).get('/api/hosts').set(alice.auth).expect(200);
  expect(asUser.body.items.map((h: { runs_root: string | null }) => h.runs_root)).toEqual([
    null,
    null,
    null,
    null,
  ]);
  await request(api.app).get('/api/hosts').expect(401);
});

test("a run's host_id is in its API view; a new run is placed on the API's host", async () => {
  const res = await request(api.app).post('/api/runs').set(alice.auth).send({ runid: 'placed' }).expect(201);
  expect(res.body.host_id).toBe(api.deps.config.hostId);
  const got = await request(api.app).get('/api/runs/placed').set(alice.auth).expect(200);
  expect(got.body.host_id).toBe(api.deps.config.hostId);
});

test('POST /api/hosts/:id/drain and /undrain: administrators only, HOST_NOT_FOUND, HOST_OFF, HOST_NOT_DRAINING', async () => {
  const cfg = parseConfig({ ...api.world.env, HOST_ID: 'd1', RUNS_ROOT: '/srv/d1/runs' });
  await heartbeatHost(api.deps.prisma, cfg, true);
  await request(api.app).post('/api/hosts/d1/drain').set(alice.auth).expect(403);
  await request(api.app).post('/api/hosts/d1/drain').expect(401);
  const missing = await request(api.app).post('/api/hosts/nope/drain').set(admin.auth).expect(404);
  expect(missing.body.error.code).toBe('HOST_NOT_FOUND');
  await request(api.app).post('/api/hosts/d1/undrain').set(admin.auth).expect(409);
  const drained = await request(api.app).post('/api/hosts/d1/drain').set(admin.auth).expect(200);
  expect(drained.body).toEqual({ id: 'd1', status: 'draining' });
  // A heartbeat keeps draining.
  await heartbeatHost(api.deps.prisma, cfg);
  expect((await api.deps.prisma.host.findUniqueOrThrow({ where: { id: 'd1' } })).status).toBe('draining');
  await request(api.app).post('/api/hosts/d1/undrain').set(admin.auth).expect(200);
  expect((await api.deps.prisma.host.findUniqueOrThrow({ where: { id: 'd1' } })).status).toBe('online');
  await api.deps.prisma.host.update({ where: { id: 'd1' }, data: { status: 'off' } });
  const off = await request(api.app).post('/api/hosts/d1/drain').set(admin.auth).expect(409);
  expect(off.body.error.code).toBe('HOST_OFF');
});

test('a draining host takes no new runs (409 HOST_DRAINING), and takes them again once undrained', async () => {
  const hostId = api.deps.config.hostId;
  await heartbeatHost(api.deps.prisma, api.deps.config, true);
  await request(api.app).post(`/api/hosts/${hostId}/drain`).set(admin.auth).expect(200);
  const refused = await request(api.app)
    .post('/api/runs')
    .set(alice.auth)
    .send({ runid: 'while-draining' })
    .expect(409);
  expect(refused.body.error.code).toBe('HOST_DRAINING');
  expect(await api.deps.prisma.run.findUnique({ where: { id: 'while-draining' } })).toBeNull();
  await request(api.app).post(`/api/hosts/${hostId}/undrain`).set(admin.auth).expect(200);
  await request(api.app).post('/api/runs').set(alice.auth).send({ runid: 'while-draining' }).expect(201);
});
