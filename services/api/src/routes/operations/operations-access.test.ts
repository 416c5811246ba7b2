import request from 'supertest';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';
import { makeRun, makeUser, type TestUser } from '../../test-support/users';

let api: ApiWorld;
let owner: TestUser, collaborator: TestUser, viewer: TestUser, stranger: TestUser, admin: TestUser;
let runOp: string, folderOp: string, systemOp: string;

beforeAll(async () => {
  api = await createApiWorld();
  owner = await makeUser(api, 'op-owner');
  collaborator = await makeUser(api, 'op-collab');
  viewer = await makeUser(api, 'op-viewer');
  stranger = await makeUser(api, 'op-stranger');
  admin = await makeUser(api, 'op-admin', { isAdmin: true });
  await makeRun(api, 'op-run', owner, [
    { user: collaborator, role: 'collaborator' },
    { user: viewer, role: 'viewer' },
  ]);
  const p = api.world.prisma;
  runOp = (
    await p.operation.create({
      data: {
        kind: 'run-snapshot',
        queue: 'compress',
        scopeType: 'run',
        scopeId: 'op-run',
        input: { runid: 'op-run' },
        status: 'failed',
      },
    })
  ).id;
  folderOp = (
    await p.operation.create({
      data: {
        kind: 'folder-archive',
        queue: 'compress-folder',
        scopeType: 'folder',
        scopeId: 'f',
        input: {},
        status: 'failed',
        createdBy: String(owner.id),
      },
    })
  ).id;
  systemOp = (
    await p.operation.create({
      data: {
        kind: 'system-thing',
        queue: 'maintenance',
        scopeType: 'system',
        scopeId: 's',
        input: {},
        status: 'failed',
        createdBy: String(owner.id),
      },
    })
  ).id;
});
afterAll(() => api.close());

const ids = (res: request.Response) => res.body.items.map((o: { id: string }) => o.id).sort();

test('the list shows run operations to members, the folder queue to everyone, other scopes to their creator', async () => {
  expect(ids(await request(api.app).get('/api/operations').set(viewer.auth).expect(200))).toEqual(
    [runOp, folderOp].sort(),
  );
  expect(ids(await request(api.app).get('/api/operations').set(owner.auth).expect(200))).toEqual(
    [runOp, folderOp, systemOp].sort(),
  );
  expect(ids(await request(api.app).get('/api/operations').set(stranger.auth).expect(200))).toEqual([
    folderOp,
  ]);
  expect((await request(api.app).get('/api/operations').set(admin.auth).expect(200)).body.total).toBe(3);
  await request(api.app).get('/api/operations').expect(401);
});

test('run operations: members read, collaborators act, strangers see nothing', async () => {
  await request(api.app).get(`/api/operations/${runOp}`).set(viewer.auth).expect(200);
  await request(api.app).get(`/api/operations/${runOp}/logs`).set(viewer.auth).expect(200);
  expect(
    (await request(api.app).get(`/api/operations/${runOp}`).set(stranger.auth).expect(404)).body.error.code,
  ).toBe('OPERATION_NOT_FOUND');
  await request(api.app).post(`/api/operations/${runOp}/retry`).set(viewer.auth).expect(403);
  await request(api.app).post(`/api/operations/${runOp}/retry`).set(collaborator.auth).expect(202);
  await request(api.app).post(`/api/operations/${runOp}/cancel`).set(collaborator.auth).expect(202);
  await request(api.app)
    .get('/api/operations/00000000-0000-0000-0000-000000000000')
    .set(admin.auth)
    .expect(404);
});

test("folder jobs are a shared queue: anyone sees them, operators act on other people's; other scopes: only their creator or an admin sees them", async () => {
  await request(api.app).get(`/api/operations/${folderOp}`).set(stranger.auth).expect(200);
  const plain = await request(api.app)
    .post(`/api/operations/${folderOp}/cancel`)
    .set(stranger.auth)
    .expect(403);
  expect(plain.body.error.code).toBe('ROLE_REQUIRED');
  const operator = await makeUser(api, 'op-operator', { role: 'operator' });
  await request(api.app).post(`/api/operations/${folderOp}/cancel`).set(operator.auth).expect(409); // already failed: allowed, but nothing to cancel
  await request(api.app).get(`/api/operations/${systemOp}`).set(stranger.auth).expect(404);
  await request(api.app).post(`/api/operations/${systemOp}/cancel`).set(stranger.auth).expect(404);
  await request(api.app).get(`/api/operations/${systemOp}`).set(owner.auth).expect(200);
  await request(api.app).post(`/api/operations/${systemOp}/cancel`).set(owner.auth).expect(409);
  await request(api.app).post(`/api/operations/${systemOp}/cancel`).set(admin.auth).expect(409);
});
