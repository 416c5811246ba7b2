import express, { type Express } from 'express';
import bcrypt from 'bcryptjs';
import request from 'supertest';
import type { ApiWorld } from './api-world';

export const TEST_PASSWORD = 'correct horse battery';
// Cost 4 keeps tests fast; bcrypt.compare accepts any cost, so login is exercised for real.
const fastHash = bcrypt.hashSync(TEST_PASSWORD, 4);

export interface TestUser {
  id: number;
  username: string;
  token: string;
  auth: { Authorization: string };
}

/** Creates a user directly in the database and signs in through the API. */
export async function makeUser(
  api: ApiWorld,
  username: string,
  opts: { isAdmin?: boolean; mustChangePassword?: boolean; role?: 'admin' | 'operator' | 'user' } = {},
): Promise<TestUser> {
  const row = await api.world.prisma.user.create({
    data: {
      username,
      passwordHash: fastHash,
      isAdmin: opts.isAdmin ?? opts.role === 'admin',
      role: opts.role ?? (opts.isAdmin ? 'admin' : 'user'),
      mustChangePassword: opts.mustChangePassword ?? false,
    },
  });
  const res = await request(api.app)
    .post('/api/auth/login')
    .send({ username, password: TEST_PASSWORD })
    .expect(200);
  return {
    id: row.id,
    username,
    token: res.body.access_token,
    auth: { Authorization: `Bearer ${res.body.access_token}` },
  };
}

/** Registers a run owned by `owner` and adds members with roles. */
export async function makeRun(
  api: ApiWorld,
  runid: string,
  owner: TestUser,
  members: { user: TestUser; role: 'viewer' | 'collaborator' | 'owner' }[] = [],
): Promise<void> {
  await request(api.app).post('/api/runs').set(owner.auth).send({ runid }).expect(201);
  for (const m of members)
    await request(api.app)
      .post(`/api/runs/${runid}/members`)
      .set(owner.auth)
      .send({ username: m.user.username, role: m.role })
      .expect(200);
}

/**
 * Stands in for a signed-in user without a session: sets req.user from the `x-test-user` header
 * before the API's own authenticate (which only ever adds one). Use with `asTestUser(name)`.
 */
export function withTestUser(inner: Express): Express {
  const a = express();
  a.use((req, _res, next) => {
    const name = req.header('x-test-user');
    const role = (req.header('x-test-role') ?? 'operator') as 'admin' | 'operator' | 'user';
    if (name) req.user = { id: 1, username: name, isAdmin: role === 'admin', role } as never;
    next();
  });
  a.use(inner);
  return a;
}
/** The stand-in's global role defaults to operator (folder jobs); pass 'user' or 'admin' to test others. */
export const asTestUser = (name = 'alice', role: 'admin' | 'operator' | 'user' = 'operator') => ({
  'x-test-user': name,
  'x-test-role': role,
});
