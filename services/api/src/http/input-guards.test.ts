import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { createApiWorld, type ApiWorld } from '../test-support/api-world';
import { makeRun, makeUser, type TestUser } from '../test-support/users';

/**
 * The inputs that used to answer 500 INTERNAL (with a stack trace in the log): each is a 400
 * with a code that says what is wrong, for anonymous and signed-in callers alike.
 */
let api: ApiWorld;
let user: TestUser;
const errorLogs: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      errorLogs.push(chunk.toString());
      done();
    },
  });
  api = await createApiWorld({}, { logger: pino({ level: 'error' }, sink) });
  user = await makeUser(api, 'g-user');
  await makeRun(api, 'guarded', user);
});
afterAll(() => api.close());
afterEach(() => expect(errorLogs.splice(0)).toEqual([]));

async function expectCode(req: request.Test, status: number, code: string) {
  const res = await req;
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(JSON.stringify(res.body)).not.toMatch(/\bat .+:\d+:\d+|node_modules/);
  return res;
}

test('a path that is not valid percent-encoding is 400 BAD_PATH_ENCODING, also anonymously', async () => {
  for (const path of [
    '/api/operations/%ff%fe',
    '/api/operations/%',
    '/api/runs/%ed%a0%80',
    '/api/runs/guarded/archives/%c0%ae/download',
    '/api/users/%E0%A4%A',
    '/admin/queues/api/queues/%ff',
    '/api/no-such-route/%ff',
  ]) {
    await expectCode(request(api.app).get(path), 400, 'BAD_PATH_ENCODING');
    await expectCode(request(api.app).get(path).set(user.auth), 400, 'BAD_PATH_ENCODING');
  }
  await expectCode(request(api.app).post('/api/operations/%ff%fe/cancel').send({}), 400, 'BAD_PATH_ENCODING');
});

test('NUL never reaches PostgreSQL: path, query and body text with \\0 is 400 INVALID_TEXT', async () => {
  await expectCode(request(api.app).get('/api/runs/a%00b').set(user.auth), 400, 'INVALID_TEXT');
  await expectCode(request(api.app).get('/api/operations?kind=%00').set(user.auth), 400, 'INVALID_TEXT');
  await expectCode(request(api.app).get('/api/runs?q=%00').set(user.auth), 400, 'INVALID_TEXT');
  const login = await expectCode(
    request(api.app).post('/api/auth/login').send({ username: 'g-user\u0000', password: 'whatever-it-is' }),
    400,
    'INVALID_TEXT',
  );
  expect(login.body.error.details).toEqual({ field: 'body.username' });
  await expectCode(
    request(api.app).post('/api/runs/guarded/archives').set(user.auth).send({ label: 'before\u0000rerun' }),
    400,
    'INVALID_TEXT',
  );
  await expectCode(
    request(api.app)
      .post('/api/jobs')
      .set(user.auth)
      .send({ folder_path: { ['a\u0000']: 1 } }),
    400,
    'INVALID_TEXT',
  );
});

test('a lone surrogate (a JSON \\ud800 escape) is 400 INVALID_TEXT', async () => {
  for (const label of ['\ud800', 'x\udfffy', 'ok\ud83d']) {
    const res = await expectCode(
      request(api.app).post('/api/runs/guarded/archives').set(user.auth).send({ label }),
      400,
      'INVALID_TEXT',
    );
    expect(res.body.error.message).toMatch(/body\.label contains a lone surrogate/);
  }
  // A proper pair (an emoji) is fine: it reaches the route and is queued.
  await request(api.app)
    .post('/api/runs/guarded/archives')
    .set(user.auth)
    .send({ label: 'ok 💾' })
    .expect(202);
});

test('bodies the framework cannot read are 4xx with a code, never 500', async () => {
  await expectCode(
    request(api.app)
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send('['.repeat(10_000) + ']'.repeat(10_000)),
    400,
    'BODY_TOO_DEEP',
  );
  await expectCode(
    request(api.app)
      .post('/api/auth/login')
      .set('Content-Type', 'application/json; charset=latin1')
      .send('{"username":"a","password":"b"}'),
    415,
    'UNSUPPORTED_CHARSET',
  );
  await expectCode(
    request(api.app)
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'x-unknown')
      .send('{}'),
    415,
    'UNSUPPORTED_ENCODING',
  );
  await expectCode(
    request(api.app)
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('not gzip at all'),
    400,
    'BAD_REQUEST',
  );
});

test('user ids beyond PostgreSQL integer are a validation error, not a database error', async () => {
  const admin = await makeUser(api, 'g-admin', { isAdmin: true });
  await expectCode(
    request(api.app).delete('/api/users/2147483648').set(admin.auth),
    400,
    'VALIDATION_FAILED',
  );
  await expectCode(
    request(api.app).patch('/api/users/2147483648').set(admin.auth).send({ is_admin: true }),
    400,
    'VALIDATION_FAILED',
  );
});
