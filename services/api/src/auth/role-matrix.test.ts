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
let operator: TestUser, admin: TestUser;
let runOpId: string, folderOpId: string;
const RUN = 'matrix-run';

beforeAll(async () => {
  api = await createApiWorld();
  owner = await makeUser(api, 'm-owner');
  collaborator = await makeUser(api, 'm-collab');
  viewer = await makeUser(api, 'm-viewer');
  stranger = await makeUser(api, 'm-stranger');
  pending = await makeUser(api, 'm-pending', { mustChangePassword: true });
  operator = await makeUser(api, 'm-operator', { role: 'operator' });
  admin = await makeUser(api, 'm-admin', { role: 'admin' });
  await makeRun(api, RUN, owner, [
    { user: collaborator, role: 'collaborator' },
    { user: viewer, role: 'viewer' },
  ]);
  const op = await api.world.prisma.operation.create({
    data: { kind: 'run-snapshot', queue: 'compress', scopeType: 'run', scopeId: RUN, input: { runid: RUN } },
  });
  runOpId = op.id;
  // A finished folder job of someone else (the admin): changing it needs the operator role.
  const folderOp = await api.world.prisma.operation.create({
    data: {
      kind: 'folder-archive',
      queue: 'compress-folder',
      scopeType: 'folder',
      scopeId: 'a/b/matrix',
      input: { folder: 'a/b/matrix' },
      status: 'failed',
      createdBy: 'm-admin',
    },
  });
  folderOpId = folderOp.id;
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

const roleRoutes = routes.filter(
  (r): r is RouteDef & { access: Extract<Access, { kind: 'role' }> } => r.access.kind === 'role',
);

test('the role-guarded routes include the folder jobs (cold storage, retrieval)', () => {
  expect(roleRoutes.map((r) => `${r.method.toUpperCase()} ${r.path}`)).toEqual(
    expect.arrayContaining(['POST /api/jobs', 'POST /api/folders/retrieve']),
  );
});

test.each(roleRoutes.map((r) => [label(r), r] as const))(
  'role route: a plain user (even a run owner) → 403 ROLE_REQUIRED, an operator and an admin pass: %s',
  async (_l, route) => {
    for (const u of [owner, viewer, stranger]) {
      const res = await call(route, u.auth).send({});
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('ROLE_REQUIRED');
    }
    for (const u of [operator, admin]) {
      const res = await call(route, u.auth).send({});
      expect([401, 403]).not.toContain(res.status);
    }
  },
);

/** Routes that change a folder job: the creator, else operators and admins. */
const folderJobWrites = [
  ...routes.filter((r) => r.path === '/api/jobs/:id' && r.method === 'delete'),
  ...routes.filter((r) => r.path === '/api/jobs/:id/retry'),
  ...opRoutes.filter((r) => r.access.action === 'write'),
];

test('cancel and retry of folder jobs are in the table (jobs and operations)', () => {
  expect(folderJobWrites.length).toBeGreaterThanOrEqual(4);
});

test.each(folderJobWrites.map((r) => [label(r), r] as const))(
  "someone else's folder job: a plain user → 403 ROLE_REQUIRED, an operator passes: %s",
  async (_l, route) => {
    const path = route.path.replace(':id', folderOpId);
    const plain = await request(api.app)[route.method](path).set(owner.auth);
    expect(plain.status).toBe(403);
    expect(plain.body.error.code).toBe('ROLE_REQUIRED');
    const op = await request(api.app)[route.method](path).set(operator.auth);
    expect([401, 403, 404]).not.toContain(op.status);
  },
);
