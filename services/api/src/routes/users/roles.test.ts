import request from 'supertest';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';
import { makeUser, TEST_PASSWORD, type TestUser } from '../../test-support/users';

let api: ApiWorld;
let admin: TestUser;
beforeAll(async () => {
  api = await createApiWorld();
  admin = await makeUser(api, 'r-admin', { isAdmin: true });
});
afterAll(() => api.close());

const login = async (username: string) =>
  (await request(api.app).post('/api/auth/login').send({ username, password: TEST_PASSWORD }).expect(200))
    .body;

test('admins set the global role in POST and PATCH /api/users; is_admin follows the role and keeps working', async () => {
  const op = await request(api.app)
    .post('/api/users')
    .set(admin.auth)
    .send({ username: 'r-op', password: TEST_PASSWORD, role: 'operator', must_change_password: false })
    .expect(201);
  expect(op.body).toMatchObject({ username: 'r-op', role: 'operator', is_admin: false });
  expect((await login('r-op')).user).toMatchObject({ role: 'operator', is_admin: false });

  const plain = await request(api.app)
    .post('/api/users')
    .set(admin.auth)
    .send({ username: 'r-plain', password: TEST_PASSWORD, must_change_password: false })
    .expect(201);
  expect(plain.body).toMatchObject({ role: 'user', is_admin: false });
  const legacy = await request(api.app)
    .post('/api/users')
    .set(admin.auth)
    .send({ username: 'r-legacy', password: TEST_PASSWORD, is_admin: true })
    .expect(201);
  expect(legacy.body).toMatchObject({ role: 'admin', is_admin: true });

  const promoted = await request(api.app)
    .patch(`/api/users/${plain.body.id}`)
    .set(admin.auth)
    .send({ role: 'admin' })
    .expect(200);
  expect(promoted.body).toMatchObject({ role: 'admin', is_admin: true });
  const demoted = await request(api.app)
    .patch(`/api/users/${plain.body.id}`)
    .set(admin.auth)
    .send({ is_admin: false })
    .expect(200);
  expect(demoted.body).toMatchObject({ role: 'user', is_admin: false });
  const toOperator = await request(api.app)
    .patch(`/api/users/${legacy.body.id}`)
    .set(admin.auth)
    .send({ role: 'operator' })
    .expect(200);
  expect(toOperator.body).toMatchObject({ role: 'operator', is_admin: false });

  const listed = await request(api.app).get('/api/users').set(admin.auth).expect(200);
  expect(
    Object.fromEntries(
      listed.body.items.map((u: { username: string; role: string }) => [u.username, u.role]),
    ),
  ).toMatchObject({ 'r-admin': 'admin', 'r-op': 'operator', 'r-plain': 'user', 'r-legacy': 'operator' });

  const bad = await request(api.app)
    .patch(`/api/users/${plain.body.id}`)
    .set(admin.auth)
    .send({ role: 'superuser' })
    .expect(400);
  expect(bad.body.error.code).toBe('VALIDATION_FAILED');
});

test('an operator may not manage users; the last admin cannot become an operator', async () => {
  const operator = await makeUser(api, 'r-op2', { role: 'operator' });
  await request(api.app).get('/api/users').set(operator.auth).expect(403);
  await request(api.app)
    .patch(`/api/users/${operator.id}`)
    .set(operator.auth)
    .send({ role: 'admin' })
    .expect(403);
  const others = await api.world.prisma.user.findMany({ where: { isAdmin: true, id: { not: admin.id } } });
  for (const o of others)
    await request(api.app).patch(`/api/users/${o.id}`).set(admin.auth).send({ role: 'user' }).expect(200);
  const last = await request(api.app)
    .patch(`/api/users/${admin.id}`)
    .set(admin.auth)
    .send({ role: 'operator' })
    .expect(409);
  expect(last.body.error.code).toBe('LAST_ADMIN');
});
