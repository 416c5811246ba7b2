import request from 'supertest';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';
import { makeUser, type TestUser } from '../../test-support/users';

let api: ApiWorld;
let admin: TestUser;
beforeAll(async () => {
  api = await createApiWorld();
  admin = await makeUser(api, 'u-admin', { isAdmin: true });
});
afterAll(() => api.close());

test('admins create, list (paginated, with last_login) and delete users', async () => {
  const created = await request(api.app)
    .post('/api/users')
    .set(admin.auth)
    .send({ username: 'newbie', password: 'long enough pw', is_admin: false })
    .expect(201);
  expect(created.body).toMatchObject({
    username: 'newbie',
    is_admin: false,
    must_change_password: true,
    last_login: null,
  });
  await request(api.app)
    .post('/api/users')
    .set(admin.auth)
    .send({ username: 'newbie', password: 'long enough pw' })
    .expect(409);
  const weak = await request(api.app)
    .post('/api/users')
    .set(admin.auth)
    .send({ username: 'weak', password: 'short' })
    .expect(400);
  expect(weak.body.error.code).toBe('VALIDATION_FAILED');
  await request(api.app)
    .post('/api/users')
    .set(admin.auth)
    .send({ username: '../evil', password: 'long enough pw' })
    .expect(400);
  // The new user signs in with the admin-chosen password and is asked to change it.
  const login = await request(api.app)
    .post('/api/auth/login')
    .send({ username: 'newbie', password: 'long enough pw' })
    .expect(200);
  expect(login.body.user.must_change_password).toBe(true);
  const list = await request(api.app).get('/api/users?limit=1&offset=0').set(admin.auth).expect(200);
  expect(list.body).toMatchObject({ total: 2, limit: 1, offset: 0 });
  expect(list.body.items).toHaveLength(1);
  const all = await request(api.app).get('/api/users').set(admin.auth).expect(200);
  expect(all.body.items.find((u: { username: string }) => u.username === 'newbie').last_login).toBeTruthy();
  await request(api.app).delete(`/api/users/${created.body.id}`).set(admin.auth).expect(204);
  await request(api.app).delete(`/api/users/${created.body.id}`).set(admin.auth).expect(404);
  // Their session ended with the account.
  await request(api.app)
    .get('/api/auth/me')
    .set('Authorization', `Bearer ${login.body.access_token}`)
    .expect(401);
});

test('an admin cannot delete themselves, and the last admin cannot be demoted', async () => {
  const self = await request(api.app).delete(`/api/users/${admin.id}`).set(admin.auth).expect(409);
  expect(self.body.error.code).toBe('CANNOT_DELETE_SELF');
  const last = await request(api.app)
    .patch(`/api/users/${admin.id}`)
    .set(admin.auth)
    .send({ is_admin: false })
    .expect(409);
  expect(last.body.error.code).toBe('LAST_ADMIN');
  const second = await makeUser(api, 'u-admin2', { isAdmin: true });
  // With two admins, one may remove the other; then the survivor is the last again.
  await request(api.app).delete(`/api/users/${second.id}`).set(admin.auth).expect(204);
  expect(
    (
      await request(api.app)
        .patch(`/api/users/${admin.id}`)
        .set(admin.auth)
        .send({ is_admin: false })
        .expect(409)
    ).body.error.code,
  ).toBe('LAST_ADMIN');
});

test('an admin can reset a password; the user must change it and old sessions end', async () => {
  const u = await makeUser(api, 'forgetful');
  const res = await request(api.app)
    .patch(`/api/users/${u.id}`)
    .set(admin.auth)
    .send({ password: 'temporary password' })
    .expect(200);
  expect(res.body.must_change_password).toBe(true);
  await request(api.app).get('/api/auth/me').set(u.auth).expect(401);
  await request(api.app)
    .post('/api/auth/login')
    .send({ username: 'forgetful', password: 'temporary password' })
    .expect(200);
});
