import request from 'supertest';
import type { Access, RouteDef } from '../http/route';
import { routes } from '../routes';
import { accessProblems, assertAccessRules } from './access-check';
import { createApiWorld, type ApiWorld } from '../test-support/api-world';
import { makeRun, makeUser, type TestUser } from '../test-support/users';

/**
 * Generated from the route table: every route, present and future, is checked against its own
 * access rule — anonymous callers, strangers to a run, members with too low a role, non-admins,
 * users still held at the forced password change.
 */
let api: ApiWorld;
let owner: TestUser, collaborator: TestUser, viewer: TestUser, stranger: TestUser, pending: TestUser;
let runOpId: string;
const RUN = 'matrix-run';

beforeAll(async () => {
  api = await createApiWorld();
  owner = await makeUser(api, 'm-owner');
  collaborator = await makeUser(api, 'm-collab');
  viewer = await makeUser(api, 'm-viewer');
  stranger = await makeUser(api, 'm-stranger');
  pending = await makeUser(api, 'm-pending', { mustChangePassword: true });
  await makeRun(api, RUN, owner, [
    { user: collaborator, role: 'collaborator' },
    { user: viewer, role: 'viewer' },
  ]);
  const op = await api.world.prisma.operation.create({
    data: { kind: 'run-snapshot', queue: 'compress', scopeType: 'run', scopeId: RUN, input: { runid: RUN } },
  });
  runOpId = op.id;
});
afterAll(() => api.close());

function concretePath(route: RouteDef): string {
  return route.path
    .replace(':runid', RUN)
    .replace(':username', 'm-viewer')
    .replace(':name', 'snap.zip')
    .replace(/:id\b/, route.path.startsWith('/api/users/') ? '999999' : runOpId)
    .replace(/:([A-Za-z0-9_]+)/g, 'x');
}

function call(route: RouteDef, auth?: Record<string, string>) {
  const req = request(api.app)[route.method](concretePath(route));
  if (auth) req.set(auth);
  return req;
}

const label = (r: RouteDef) => `${r.method.toUpperCase()} ${r.path} (${JSON.stringify(r.access)})`;
const guarded = routes.filter((r) => r.access.kind !== 'public');
const runRoutes = routes.filter(
  (r): r is RouteDef & { access: Extract<Access, { kind: 'run' }> } => r.access.kind === 'run',
);
const opRoutes = routes.filter(
  (r): r is RouteDef & { access: Extract<Access, { kind: 'operation' }> } => r.access.kind === 'operation',
);

test('every route of the table declares a valid access rule (also checked at start-up)', () => {
  expect(accessProblems(routes)).toEqual([]);
  expect(() =>
    assertAccessRules([
      ...routes,
      {
        method: 'post',
        path: '/api/new-thing',
        summary: 'x',
        handler: async () => undefined,
      } as unknown as RouteDef,
    ]),
  ).toThrow(/POST \/api\/new-thing: no access rule/);
  expect(() =>
    assertAccessRules([
      {
        method: 'get',
        path: '/api/x',
        summary: 'x',
        access: { kind: 'run', role: 'viewer' },
        handler: async () => undefined,
      },
    ]),
  ).toThrow(/:runid/);
});

// A new public mutating route must be added here deliberately.
const PUBLIC_MUTATING = ['POST /api/auth/login'];

test('every mutating route is guarded, except the deliberate public ones', () => {
  const publicMutating = routes
    .filter((r) => r.method !== 'get' && r.access.kind === 'public')
    .map((r) => `${r.method.toUpperCase()} ${r.path}`);
  expect(publicMutating).toEqual(PUBLIC_MUTATING);
});

test.each(guarded.map((r) => [label(r), r] as const))('anonymous → 401: %s', async (_l, route) => {
  const res = await call(route);
  const cron = route.access.kind === 'cron';
  expect(res.status).toBe(cron && !api.deps.config.cronSecret ? 503 : 401);
  expect(res.body.error.code).toBe(
    cron ? (api.deps.config.cronSecret ? 'CRON_UNAUTHORIZED' : 'CRON_DISABLED') : 'UNAUTHENTICATED',
  );
});

test.each(runRoutes.map((r) => [label(r), r] as const))(
  'run route: stranger → 404, too-low role → 403: %s',
  async (_l, route) => {
    const s = await call(route, stranger.auth);
    expect(s.status).toBe(404);
    expect(s.body.error.code).toBe('RUN_NOT_FOUND');
    const agent = request(api.app);
    const missing = await agent[route.method](concretePath(route).replace(RUN, 'no-such-run')).set(
      owner.auth,
    );
    expect(missing.status).toBe(404);
    if (route.access.role !== 'viewer') {
      const v = await call(route, viewer.auth);
      expect(v.status).toBe(403);
      expect(v.body.error.code).toBe('FORBIDDEN');
    }
    if (route.access.role === 'owner') expect((await call(route, collaborator.auth)).status).toBe(403);
  },
);

test.each(opRoutes.map((r) => [label(r), r] as const))(
  'operation route on a run operation: stranger → 404, viewer may only read: %s',
  async (_l, route) => {
    const s = await call(route, stranger.auth);
    expect(s.status).toBe(404);
    expect(s.body.error.code).toBe('OPERATION_NOT_FOUND');
    const v = await call(route, viewer.auth);
    if (route.access.action === 'write') expect(v.status).toBe(403);
    else expect(v.status).toBe(200);
  },
);

test.each(routes.filter((r) => r.access.kind === 'admin').map((r) => [label(r), r] as const))(
  'admin route: a plain user → 403: %s',
  async (_l, route) => {
    const res = await call(route, owner.auth);
    expect(res.status).toBe(403);
  },
);

test.each(routes.filter((r) => r.access.kind === 'cron').map((r) => [label(r), r] as const))(
  'cron route: a session or a wrong secret → 401: %s',
  async (_l, route) => {
    expect((await call(route, owner.auth)).status).toBe(401);
    expect((await call(route, { Authorization: 'Bearer not-the-secret' })).status).toBe(401);
  },
);

test.each(
  guarded
    .filter((r) => r.access.kind !== 'cron' && !(r.access.kind === 'user' && r.access.duringPasswordChange))
    .map((r) => [label(r), r] as const),
)('a user who must change their password → 403 PASSWORD_CHANGE_REQUIRED: %s', async (_l, route) => {
  const res = await call(route, pending.auth);
  expect(res.status).toBe(403);
  expect(res.body.error.code).toBe('PASSWORD_CHANGE_REQUIRED');
});
