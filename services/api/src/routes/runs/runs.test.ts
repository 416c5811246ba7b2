import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';
import { makeUser, type TestUser } from '../../test-support/users';

let api: ApiWorld;
let alice: TestUser, bob: TestUser, carol: TestUser, admin: TestUser;
beforeAll(async () => {
  api = await createApiWorld();
  alice = await makeUser(api, 'alice');
  bob = await makeUser(api, 'bob');
  carol = await makeUser(api, 'carol');
  admin = await makeUser(api, 'admin', { isAdmin: true });
});
afterAll(() => api.close());

test('creating a run makes its directory and its creator the owner; a second registration is refused', async () => {
  const res = await request(api.app).post('/api/runs').set(alice.auth).send({ runid: 'run-1' }).expect(201);
  expect(res.body).toMatchObject({
    runid: 'run-1',
    role: 'owner',
    memberRole: 'owner',
    createdBy: 'alice',
    exists: true,
    lock: { locked: false },
    outcome: 'created',
  });
  expect((await fs.stat(path.join(api.deps.config.runsRoot, 'run-1'))).isDirectory()).toBe(true);
  const again = await request(api.app).post('/api/runs').set(alice.auth).send({ runid: 'run-1' }).expect(409);
  expect(again.body.error.code).toBe('RUN_EXISTS');
  // A non-member hears the same for a registered name as for a name nobody registered.
  await fs.mkdir(path.join(api.deps.config.runsRoot, 'someones-data'));
  const taken = await request(api.app).post('/api/runs').set(bob.auth).send({ runid: 'run-1' }).expect(409);
  const unregistered = await request(api.app)
    .post('/api/runs')
    .set(bob.auth)
    .send({ runid: 'someones-data' })
    .expect(409);
  expect(taken.body.error.code).toBe('RUN_NAME_UNAVAILABLE');
  const anon = (b: { error: { message: string } }, name: string) =>
    JSON.stringify({ ...b.error, message: b.error.message.split(name).join('<name>') });
  expect(anon(taken.body, 'run-1')).toBe(anon(unregistered.body, 'someones-data'));
  await fs.rmdir(path.join(api.deps.config.runsRoot, 'someones-data'));
  await request(api.app).post('/api/runs').set(alice.auth).send({ runid: '../etc' }).expect(400);
});

test('a name taken by a file under RUNS_ROOT is 409, not 500, and leaves no run behind', async () => {
  await fs.writeFile(path.join(api.deps.config.runsRoot, 'notes.txt'), 'not a run');
  const res = await request(api.app)
    .post('/api/runs')
    .set(admin.auth)
    .send({ runid: 'notes.txt' })
    .expect(409);
  expect(res.body.error.code).toBe('RUN_PATH_NOT_DIRECTORY');
  const plain = await request(api.app).post('/api/runs').set(alice.auth).send({ runid: 'notes.txt' });
  expect([plain.status, plain.body.error.code]).toEqual([409, 'RUN_NAME_UNAVAILABLE']);
  expect(await api.world.prisma.run.findUnique({ where: { id: 'notes.txt' } })).toBeNull();
});

test('only an admin may claim an existing directory (registered, not created); lock files show in the listing', async () => {
  const dir = path.join(api.deps.config.runsRoot, 'legacy');
  await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
  await fs.writeFile(path.join(dir, 'sub', 'x.nodb.lock'), '');
  const refused = await request(api.app)
    .post('/api/runs')
    .set(bob.auth)
    .send({ runid: 'legacy' })
    .expect(409);
  expect(refused.body.error.code).toBe('RUN_NAME_UNAVAILABLE');
  expect(await api.world.prisma.run.findUnique({ where: { id: 'legacy' } })).toBeNull();
  expect(await fs.readdir(path.join(dir, 'sub'))).toEqual(['x.nodb.lock']);
  const claimed = await request(api.app)
    .post('/api/runs')
    .set(admin.auth)
    .send({ runid: 'legacy' })
    .expect(201);
  expect(claimed.body).toMatchObject({ runid: 'legacy', outcome: 'registered', createdBy: 'admin' });
  await request(api.app)
    .post('/api/runs/legacy/members')
    .set(admin.auth)
    .send({ username: 'bob', role: 'owner' })
    .expect(200);
  const one = await request(api.app).get('/api/runs/legacy').set(bob.auth).expect(200);
  expect(one.body.lock).toEqual({ locked: true, lockFiles: ['sub/x.nodb.lock'], redisLocks: [] });
});

test('lists show only your runs (admins: all), with your role', async () => {
  const a = await request(api.app).get('/api/runs').set(alice.auth).expect(200);
  expect(a.body.items.map((r: { runid: string }) => r.runid)).toEqual(['run-1']);
  const all = await request(api.app).get('/api/runs?limit=10').set(admin.auth).expect(200);
  expect(all.body.total).toBe(2);
  // Admins act as owner everywhere; they are members only of what they claimed themselves.
  expect(
    Object.fromEntries(
      all.body.items.map((r: { runid: string; role: string; memberRole: string | null }) => [
        r.runid,
        [r.role, r.memberRole],
      ]),
    ),
  ).toEqual({ 'run-1': ['owner', null], legacy: ['owner', 'owner'] });
  await request(api.app).get('/api/runs/run-1').set(carol.auth).expect(404);
});

test('owners manage members; roles grant what they say; the last owner stays', async () => {
  await request(api.app)
    .post('/api/runs/run-1/members')
    .set(alice.auth)
    .send({ username: 'bob', role: 'viewer' })
    .expect(200);
  await request(api.app).get('/api/runs/run-1').set(bob.auth).expect(200);
  const members = await request(api.app).get('/api/runs/run-1/members').set(bob.auth).expect(200);
  expect(members.body.items.map((m: { username: string; role: string }) => [m.username, m.role])).toEqual([
    ['alice', 'owner'],
    ['bob', 'viewer'],
  ]);
  // A viewer may not manage members.
  expect(
    (
      await request(api.app)
        .post('/api/runs/run-1/members')
        .set(bob.auth)
        .send({ username: 'carol', role: 'viewer' })
    ).status,
  ).toBe(403);
  // Upsert: bob becomes collaborator.
  const up = await request(api.app)
    .post('/api/runs/run-1/members')
    .set(alice.auth)
    .send({ username: 'bob', role: 'collaborator' })
    .expect(200);
  expect(up.body.role).toBe('collaborator');
  await request(api.app)
    .post('/api/runs/run-1/members')
    .set(alice.auth)
    .send({ username: 'nobody', role: 'viewer' })
    .expect(404);
  // The last owner can neither be removed nor demoted.
  expect(
    (await request(api.app).delete('/api/runs/run-1/members/alice').set(alice.auth).expect(409)).body.error
      .code,
  ).toBe('LAST_OWNER');
  expect(
    (
      await request(api.app)
        .post('/api/runs/run-1/members')
        .set(alice.auth)
        .send({ username: 'alice', role: 'viewer' })
        .expect(409)
    ).body.error.code,
  ).toBe('LAST_OWNER');
  // An admin can manage any run's members.
  await request(api.app)
    .post('/api/runs/run-1/members')
    .set(admin.auth)
    .send({ username: 'carol', role: 'owner' })
    .expect(200);
  await request(api.app).delete('/api/runs/run-1/members/alice').set(carol.auth).expect(204);
  await request(api.app).get('/api/runs/run-1').set(alice.auth).expect(404);
  await request(api.app).delete('/api/runs/run-1/members/alice').set(carol.auth).expect(404);
});

test('collaborators mint signed links for linkable paths of their run only', async () => {
  await request(api.app).post('/api/runs').set(alice.auth).send({ runid: 'linky' }).expect(201);
  const good = await request(api.app)
    .post('/api/runs/linky/links')
    .set(alice.auth)
    .send({ path: '/api/runs/linky/archives/snap.zip/download', ttl_seconds: 3600 })
    .expect(201);
  expect(good.body.url).toMatch(/^\/api\/runs\/linky\/archives\/snap\.zip\/download\?token=/);
  // Anonymous with the link passes authorization (the archive itself does not exist here).
  const opened = await request(api.app).get(good.body.url);
  expect(opened.status).not.toBe(401);
  expect(opened.status).not.toBe(403);
  for (const path of [
    '/api/runs/other/archives/x.zip/download',
    '/api/runs/linky/members',
    '/api/users',
    '/api/runs/linky/archives/%2e%2e/download',
  ]) {
    const bad = await request(api.app)
      .post('/api/runs/linky/links')
      .set(alice.auth)
      .send({ path })
      .expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  }
});

test('the list filters by text and can skip the lock scan', async () => {
  const res = await request(api.app).get('/api/runs?q=LEG&lock=false').set(admin.auth).expect(200);
  expect(res.body.items.map((r: { runid: string }) => r.runid)).toEqual(['legacy']);
  expect(res.body.items[0].lock).toBeNull();
});
