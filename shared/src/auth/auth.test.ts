import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestWorld, type TestWorld } from '../test-support/harness';
import { issueSessionToken, revokeSessionToken, sessionTokenFrom, verifySessionToken } from './session';
import { resolveJwtSecret } from './secret';
import { roleAtLeast, runRoleOf } from './run-role';

let world: TestWorld;
beforeAll(async () => {
  world = await createTestWorld();
});
afterAll(() => world.close());

test('without JWT_SECRET a random secret is created once in DATA_DIR/secrets/jwt.key (0600) and reused', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'arkive-secret-'));
  try {
    const a = resolveJwtSecret({ dataDir, jwtSecret: undefined });
    const file = path.join(dataDir, 'secrets', 'jwt.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(a);
    expect(resolveJwtSecret({ dataDir, jwtSecret: undefined })).toBe(a);
    expect(resolveJwtSecret({ dataDir, jwtSecret: 'explicit-secret-123' })).toBe('explicit-secret-123');
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('verifySessionToken: valid, revoked, deleted user, fresh flags from the database', async () => {
  const { config, redis, prisma } = world;
  const user = await prisma.user.create({ data: { username: 'web-user', passwordHash: 'x' } });
  const s = await issueSessionToken(config, { ...user, isAdmin: true });
  // Without prisma: the token's own claims.
  expect(await verifySessionToken(config, redis, s.token)).toMatchObject({ id: user.id, isAdmin: true });
  // With prisma: the database decides (the user is not an admin).
  expect(await verifySessionToken(config, redis, s.token, prisma)).toMatchObject({
    id: user.id,
    isAdmin: false,
    mustChangePassword: false,
  });
  expect(
    await verifySessionToken(
      config,
      redis,
      sessionTokenFrom({ cookie: `a=b; arkive_session=${s.token}` }),
      prisma,
    ),
  ).not.toBeNull();
  expect(sessionTokenFrom({ authorization: `Bearer ${s.token}` })).toBe(s.token);
  await revokeSessionToken(config, redis, s.jti, s.expiresAt.getTime());
  expect(await verifySessionToken(config, redis, s.token)).toBeNull();
  const s2 = await issueSessionToken(config, user);
  await prisma.user.delete({ where: { id: user.id } });
  expect(await verifySessionToken(config, redis, s2.token, prisma)).toBeNull();
  expect(await verifySessionToken(config, redis, undefined)).toBeNull();
  expect(await verifySessionToken(config, redis, 'not.a.jwt')).toBeNull();
});

test('runRoleOf: membership role, admins owner, strangers and unknown runs null', async () => {
  const { prisma } = world;
  const member = await prisma.user.create({ data: { username: 'member', passwordHash: 'x' } });
  const other = await prisma.user.create({ data: { username: 'other', passwordHash: 'x' } });
  await prisma.run.create({
    data: { id: 'rr', members: { create: { userId: member.id, role: 'collaborator' } } },
  });
  expect(await runRoleOf(prisma, { id: member.id, isAdmin: false }, 'rr')).toBe('collaborator');
  expect(await runRoleOf(prisma, { id: other.id, isAdmin: false }, 'rr')).toBeNull();
  expect(await runRoleOf(prisma, { id: other.id, isAdmin: true }, 'rr')).toBe('owner');
  expect(await runRoleOf(prisma, { id: other.id, isAdmin: true }, 'nope')).toBeNull();
  expect(roleAtLeast('collaborator', 'viewer')).toBe(true);
  expect(roleAtLeast('viewer', 'collaborator')).toBe(false);
  expect(roleAtLeast(null, 'viewer')).toBe(false);
});
