import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { createSignedToken } from '@arkive/shared';
import { mintRunLink } from '../../auth/run-links';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';
import { makeRun, makeUser, type TestUser } from '../../test-support/users';

/**
 * Signed links are records: a use re-checks the link (revoked? expired?) and its creator's
 * current right on the run, so access does not outlive the person who shared it.
 */
let api: ApiWorld;
let owner: TestUser, collab: TestUser, viewer: TestUser;
const RUN = 'shared-run';
const CONTENT = 'the archive bytes';
const DOWNLOAD = `/api/runs/${RUN}/archives/snap.zip/download`;

beforeAll(async () => {
  api = await createApiWorld();
  owner = await makeUser(api, 'k-owner');
  collab = await makeUser(api, 'k-collab');
  viewer = await makeUser(api, 'k-viewer');
  await makeRun(api, RUN, owner, [
    { user: collab, role: 'collaborator' },
    { user: viewer, role: 'viewer' },
  ]);
  await makeRun(api, 'other-run', owner);
  for (const run of [RUN, 'other-run']) {
    const dir = path.join(api.deps.config.runsRoot, run, 'archives');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'snap.zip'), CONTENT);
  }
});
afterAll(() => api.close());

const setRole = (user: TestUser, role: 'viewer' | 'collaborator') =>
  request(api.app)
    .post(`/api/runs/${RUN}/members`)
    .set(owner.auth)
    .send({ username: user.username, role })
    .expect(200);
const mint = async (user: TestUser, p = DOWNLOAD) =>
  (
    await request(api.app)
      .post(`/api/runs/${RUN}/links`)
      .set(user.auth)
      .send({ path: p, ttl_seconds: 3600 })
      .expect(201)
  ).body as { id: string; url: string; expires_at: string };
const open = (url: string) => request(api.app).get(url);
const code = async (url: string) => (await open(url)).body?.error?.code as string | undefined;

test("a collaborator's link stops working when they are removed from the run (and when demoted)", async () => {
  const link = await mint(collab);
  const ok = await open(link.url).expect(200);
  expect(ok.text).toBe(CONTENT);
  // Demoted to viewer: a viewer may not share, so the link is dead; promoted again, it is back.
  await setRole(collab, 'viewer');
  await open(link.url).expect(401);
  expect(await code(link.url)).toBe('LINK_REVOKED');
  await setRole(collab, 'collaborator');
  await open(link.url).expect(200);
  // Removed from the run: dead for good (until someone re-adds them).
  await request(api.app).delete(`/api/runs/${RUN}/members/${collab.username}`).set(owner.auth).expect(204);
  const gone = await open(link.url).expect(401);
  expect(gone.body.error.code).toBe('LINK_REVOKED');
  expect(gone.text).not.toContain(CONTENT);
  await setRole(collab, 'collaborator');
});

test('owners list the links of a run with use counts, and revoke them', async () => {
  const link = await mint(collab);
  await open(link.url).expect(200);
  await open(link.url).set('Range', 'bytes=0-3').expect(206);
  for (const who of [collab, viewer])
    await request(api.app).get(`/api/runs/${RUN}/links`).set(who.auth).expect(403);
  const list = await request(api.app).get(`/api/runs/${RUN}/links`).set(owner.auth).expect(200);
  const item = list.body.items.find((l: { id: string }) => l.id === link.id);
  expect(item).toMatchObject({
    path: DOWNLOAD,
    archiveName: 'snap.zip',
    mintedBy: collab.username,
    useCount: 2,
    revokedAt: null,
    status: 'active',
    expiresAt: link.expires_at,
  });
  expect(item.lastUsedAt).toBeTruthy();
  // Only owners revoke; a link of another run is not found through this run.
  await request(api.app).delete(`/api/runs/${RUN}/links/${link.id}`).set(collab.auth).expect(403);
  const otherRun = await mintRunLink(api.deps, {
    runid: 'other-run',
    path: '/api/runs/other-run/archives/snap.zip/download',
    mintedBy: owner.id,
    ttlSeconds: 600,
  });
  const foreign = await request(api.app)
    .delete(`/api/runs/${RUN}/links/${otherRun.id}`)
    .set(owner.auth)
    .expect(404);
  expect(foreign.body.error.code).toBe('LINK_NOT_FOUND');
  await request(api.app).get(otherRun.url).expect(200);
  await request(api.app).delete(`/api/runs/${RUN}/links/${link.id}`).set(owner.auth).expect(204);
  await request(api.app).delete(`/api/runs/${RUN}/links/${link.id}`).set(owner.auth).expect(204);
  expect(await code(link.url)).toBe('LINK_REVOKED');
  const after = await request(api.app).get(`/api/runs/${RUN}/links`).set(owner.auth).expect(200);
  const revoked = after.body.items.find((l: { id: string }) => l.id === link.id);
  expect(revoked).toMatchObject({ status: 'revoked', useCount: 2 });
  expect(revoked.revokedAt).toBeTruthy();
  await request(api.app).delete(`/api/runs/${RUN}/links/not-a-uuid`).set(owner.auth).expect(400);
});

test('the list shows which links died with their creator’s access; a deleted creator ends them too', async () => {
  const temp = await makeUser(api, 'k-temp');
  await request(api.app)
    .post(`/api/runs/${RUN}/members`)
    .set(owner.auth)
    .send({ username: temp.username, role: 'collaborator' })
    .expect(200);
  const link = await mint(temp);
  await request(api.app).delete(`/api/runs/${RUN}/members/${temp.username}`).set(owner.auth).expect(204);
  const list = await request(api.app).get(`/api/runs/${RUN}/links`).set(owner.auth).expect(200);
  expect(list.body.items.find((l: { id: string }) => l.id === link.id).status).toBe('creator_lost_access');
  await api.world.prisma.user.delete({ where: { id: temp.id } });
  expect(await code(link.url)).toBe('LINK_REVOKED');
});

test('expired links, tokens without a record and tokens moved to another path are refused', async () => {
  const expired = await mintRunLink(api.deps, {
    runid: RUN,
    path: DOWNLOAD,
    mintedBy: collab.id,
    ttlSeconds: -5,
  });
  expect(await code(expired.url)).toBe('LINK_EXPIRED');
  // A validly signed token that names no issued link (e.g. minted before links were recorded).
  const bare = createSignedToken(api.deps.config, {
    path: DOWNLOAD,
    expiresAt: new Date(Date.now() + 60_000),
  });
  expect(await code(`${DOWNLOAD}?token=${encodeURIComponent(bare)}`)).toBe('LINK_INVALID');
  const link = await mint(collab);
  const token = new URL(link.url, 'http://x').searchParams.get('token')!;
  const elsewhere = `/api/runs/other-run/archives/snap.zip/download?token=${encodeURIComponent(token)}`;
  expect(await code(elsewhere)).toBe('LINK_INVALID');
  // Minting refuses paths that do not decode cleanly.
  for (const p of [
    `/api/runs/${RUN}/archives/%ff.zip/download`,
    `/api/runs/${RUN}/archives/a%00.zip/download`,
  ])
    await request(api.app).post(`/api/runs/${RUN}/links`).set(collab.auth).send({ path: p }).expect(400);
});
