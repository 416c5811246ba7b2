import express from 'express';
import cookieParser from 'cookie-parser';
import request from 'supertest';
import { createSignedToken, verifySignedToken } from '@arkive/shared';
import { authenticate } from './authenticate';
import { errorHandler } from '../http/error-handler';
import { mintRunLink } from './run-links';
import { mountRoutes } from '../http/mount';
import { defineRoute } from '../http/route';
import { createApiWorld, type ApiWorld } from '../test-support/api-world';
import { makeRun, makeUser, type TestUser } from '../test-support/users';

let api: ApiWorld;
let app: express.Express;
let owner: TestUser, stranger: TestUser;
const PATH = '/api/runs/linked/archives/snap%201.zip/download';

beforeAll(async () => {
  api = await createApiWorld();
  owner = await makeUser(api, 'l-owner');
  stranger = await makeUser(api, 'l-stranger');
  await makeRun(api, 'linked', owner);
  // A stand-in for the archive download route: the same access rule on a tiny app.
  app = express();
  app.use(cookieParser());
  app.use(authenticate(api.deps));
  const router = express.Router();
  mountRoutes(
    router,
    [
      defineRoute({
        method: 'get',
        path: '/api/runs/:runid/archives/:name/download',
        summary: 'test',
        access: { kind: 'run', role: 'viewer', allowSignedLink: true },
        async handler({ req, params }) {
          return { via: req.viaSignedLink ? 'link' : 'session', params };
        },
      }),
    ],
    api.deps,
  );
  app.use(router);
  app.use(errorHandler(api.deps.logger));
});
afterAll(() => api.close());

test('a valid signed link opens exactly its path without a session', async () => {
  const { url } = await mintRunLink(api.deps, {
    runid: 'linked',
    path: PATH,
    mintedBy: owner.id,
    ttlSeconds: 60,
  });
  const res = await request(app).get(url).expect(200);
  expect(res.body).toMatchObject({ via: 'link', params: { runid: 'linked', name: 'snap 1.zip' } });
  const token = new URL(url, 'http://x').searchParams.get('token')!;
  const other = await request(app)
    .get(`/api/runs/linked/archives/other.zip/download?token=${encodeURIComponent(token)}`)
    .expect(401);
  expect(other.body.error.code).toBe('LINK_INVALID');
});

test('tampered and expired links get 401 with distinct codes', async () => {
  const token = createSignedToken(api.deps.config, { path: PATH, expiresAt: new Date(Date.now() + 60_000) });
  const [body, mac] = token.split('.');
  const forgedBody = Buffer.from(
    JSON.stringify({ p: '/api/runs/linked/archives/snap 1.zip/download', e: 9999999999 }),
  ).toString('base64url');
  for (const bad of [
    `${forgedBody}.${mac}`,
    `${body}.${mac.slice(0, -2)}AA`,
    'garbage',
    `${body}.${mac}.x`,
  ]) {
    const res = await request(app)
      .get(`${PATH}?token=${encodeURIComponent(bad)}`)
      .expect(401);
    expect(res.body.error.code).toBe('LINK_INVALID');
  }
  const expired = createSignedToken(api.deps.config, { path: PATH, expiresAt: new Date(Date.now() - 1000) });
  const res = await request(app)
    .get(`${PATH}?token=${encodeURIComponent(expired)}`)
    .expect(401);
  expect(res.body.error.code).toBe('LINK_EXPIRED');
  const otherSecret = createSignedToken(
    { ...api.deps.config, jwtSecret: 'some-other-secret-0123456789' },
    { path: PATH, expiresAt: new Date(Date.now() + 60_000) },
  );
  expect(() => verifySignedToken(api.deps.config, otherSecret, PATH)).toThrow(/not valid/);
});

test('without a token the run rule applies: members in, strangers 404, anonymous 401', async () => {
  expect((await request(app).get(PATH).set(owner.auth).expect(200)).body.via).toBe('session');
  await request(app).get(PATH).set(stranger.auth).expect(404);
  await request(app).get(PATH).expect(401);
});

test('a session token does not pass as a link token', async () => {
  const res = await request(app)
    .get(`${PATH}?token=${encodeURIComponent(owner.token)}`)
    .expect(401);
  expect(res.body.error.code).toBe('LINK_INVALID');
});
