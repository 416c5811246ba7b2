import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { runPath } from '@arkive/shared';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';
import { makeUser, type TestUser } from '../../test-support/users';

let api: ApiWorld;
let olga: TestUser, carl: TestUser, vera: TestUser, sam: TestUser, admin: TestUser;

beforeAll(async () => {
  api = await createApiWorld();
  olga = await makeUser(api, 'olga');
  carl = await makeUser(api, 'carl');
  vera = await makeUser(api, 'vera');
  sam = await makeUser(api, 'sam');
  admin = await makeUser(api, 'root', { isAdmin: true });
  // src: olga owner, carl collaborator, vera viewer; d1, d2: olga owner; d3: olga viewer; secret: sam's only
  await makeRun('src', [
    [olga, 'owner'],
    [carl, 'collaborator'],
    [vera, 'viewer'],
  ]);
  for (const r of ['d1', 'd2']) await makeRun(r, [[olga, 'owner']]);
  await makeRun('d3', [
    [olga, 'viewer'],
    [carl, 'owner'],
  ]);
  await makeRun('secret', [[sam, 'owner']]);
});
afterAll(() => api.close());

async function makeRun(runid: string, members: [TestUser, 'owner' | 'collaborator' | 'viewer'][]) {
  const dir = runPath(api.world.config.runsRoot, runid);
  await fs.mkdir(path.join(dir, 'handout'), { recursive: true });
  await fs.writeFile(path.join(dir, 'handout', 'hw1.txt'), `homework of ${runid}`);
  await fs.writeFile(path.join(dir, 'notes.md'), 'notes');
  await api.world.prisma.run.create({
    data: {
      id: runid,
      createdBy: 'olga',
      members: { create: members.map(([u, role]) => ({ userId: u.id, role })) },
    },
  });
}

const copy = (who: TestUser, body: object) => request(api.app).post('/api/copy').set(who.auth).send(body);
const body = (over: Record<string, unknown> = {}) => ({
  src: { runid: 'src', paths: ['handout'] },
  dests: [
    { runid: 'd1', path: 'from-src' },
    { runid: 'd2', path: 'from-src' },
  ],
  ...over,
});

test('a copy answers 202 with its operation, channel and one pending copy per destination', async () => {
  const res = await copy(olga, body()).expect(202);
  expect(res.body.channel).toBe('src:archive');
  expect(res.body.copies).toEqual([
    { id: expect.any(String), runid: 'd1', path: 'from-src', status: 'pending' },
    { id: expect.any(String), runid: 'd2', path: 'from-src', status: 'pending' },
  ]);
  const op = await api.world.prisma.operation.findUniqueOrThrow({ where: { id: res.body.operationId } });
  expect(op).toMatchObject({ kind: 'run-copy', scopeId: 'src', status: 'queued', exclusiveKey: null });
  const rows = await api.world.prisma.pendingCopy.findMany({ where: { operationId: op.id } });
  expect(rows).toHaveLength(2);
  for (const r of rows) {
    expect(r).toMatchObject({ srcRunId: 'src', paths: ['handout'], status: 'pending', attempts: 0 });
    const days = (r.expiresAt.getTime() - r.createdAt.getTime()) / 86400_000;
    expect(days).toBeCloseTo(7, 2);
  }
  // a trailing slash is the same path
  const slash = await copy(olga, body({ src: { runid: 'src', paths: ['handout/'] } })).expect(202);
  const input = (
    await api.world.prisma.operation.findUniqueOrThrow({ where: { id: slash.body.operationId } })
  ).input as { paths: string[] };
  expect(input.paths).toEqual(['handout']);
});

test.each([
  ['/etc/passwd', 'INVALID_PATH'],
  ['../d1/notes.md', 'INVALID_PATH'],
  ['handout/../../d1', 'INVALID_PATH'],
  ['', 'INVALID_PATH'],
  ['./handout', 'INVALID_PATH'],
  ['archives', 'INVALID_PATH'],
])('source path %j is refused with 400 %s', async (p, code) => {
  const res = await copy(olga, body({ src: { runid: 'src', paths: [p] } })).expect(400);
  expect(res.body.error.code).toBe(code);
  expect(res.body.error.message).toMatch(/not a path inside a run/);
});

test('a NUL in a path is refused before the route by the input guard (400 INVALID_TEXT)', async () => {
  const res = await copy(olga, body({ src: { runid: 'src', paths: ['a\0b'] } })).expect(400);
  expect(res.body.error.code).toBe('INVALID_TEXT');
});

test('destination paths, options, sizes and missing paths are checked with clear codes', async () => {
  const bad = async (b: object, status: number, code: string) => {
    const res = await copy(olga, b).expect(status);
    expect(res.body.error.code).toBe(code);
  };
  await bad(body({ dests: [{ runid: 'd1', path: '/abs' }] }), 400, 'INVALID_PATH');
  await bad(body({ dests: [{ runid: 'd1', path: '..' }] }), 400, 'INVALID_PATH');
  await bad(body({ dests: [{ runid: 'd1', path: '' }] }), 400, 'INVALID_PATH');
  await bad(body({ options: { errorOnExist: true, force: true } }), 400, 'INVALID_OPTIONS');
  await bad(body({ dests: [] }), 400, 'NO_DESTINATIONS');
  await bad(body({ src: { runid: 'src', paths: [] } }), 400, 'NO_PATHS');
  const many = Array.from({ length: 501 }, () => ({ runid: 'd1', path: 'x' }));
  await bad(body({ dests: many }), 400, 'TOO_MANY_DESTINATIONS');
  await bad(
    body({
      dests: [
        { runid: 'd1', path: 'x' },
        { runid: 'd1', path: 'x' },
      ],
    }),
    400,
    'DUPLICATE_DESTINATION',
  );
  await bad(body({ src: { runid: 'src', paths: ['handout/hw1.txt', 'hw1.txt'] } }), 400, 'DUPLICATE_TARGET');
  await bad(body({ dests: [{ runid: 'src', path: 'handout/inner' }] }), 400, 'COPY_INTO_ITSELF');
  await bad(body({ src: { runid: 'src', paths: ['no-such-thing'] } }), 404, 'PATH_NOT_FOUND');
  await bad({ ...body(), extra: 1 }, 400, 'VALIDATION_FAILED');
  // a symlinked folder leading out of the run is not a path inside it
  await fs.symlink('/etc', path.join(runPath(api.world.config.runsRoot, 'src'), 'escape'));
  await bad(body({ src: { runid: 'src', paths: ['escape/passwd'] } }), 400, 'INVALID_PATH');
  expect(await api.world.prisma.pendingCopy.count({ where: { destRunId: 'x' } })).toBe(0);
});

test('collaborator on the source and every destination: a stranger learns nothing, a viewer gets 403', async () => {
  const before = await api.world.prisma.pendingCopy.count();
  // out of a run the caller cannot see: the same 404 as for a run that does not exist
  const out = await copy(olga, body({ src: { runid: 'secret', paths: ['handout'] } })).expect(404);
  const none = await copy(olga, body({ src: { runid: 'nope', paths: ['handout'] } })).expect(404);
  expect(out.body.error.code).toBe('RUN_NOT_FOUND');
  expect(out.body).toEqual(JSON.parse(JSON.stringify(none.body).replace(/nope/g, 'secret')));
  // into a run the caller cannot see
  const into = await copy(olga, body({ dests: [{ runid: 'secret', path: 'x' }] })).expect(404);
  const intoNone = await copy(olga, body({ dests: [{ runid: 'nope', path: 'x' }] })).expect(404);
  expect(into.body).toEqual(JSON.parse(JSON.stringify(intoNone.body).replace(/nope/g, 'secret')));
  // a stranger on every run
  const stranger = await copy(sam, body()).expect(404);
  expect(stranger.body.error.code).toBe('RUN_NOT_FOUND');
  // viewer on the source, or on a destination
  expect((await copy(vera, body()).expect(403)).body.error.code).toBe('FORBIDDEN');
  expect(
    (await copy(olga, body({ dests: [{ runid: 'd3', path: 'x' }] })).expect(403)).body.error.message,
  ).toMatch(/collaborator role on run d3/);
  await request(api.app).post('/api/copy').send(body()).expect(401);
  expect(await api.world.prisma.pendingCopy.count()).toBe(before);
  // an admin may copy anywhere
  await copy(admin, body({ dests: [{ runid: 'secret', path: 'from-src' }] })).expect(202);
});

test('GET /api/copies lists a run’s copies to its members only, hiding runs the caller cannot see', async () => {
  const res = await copy(admin, {
    src: { runid: 'src', paths: ['notes.md'] },
    dests: [
      { runid: 'd3', path: 'inbox' },
      { runid: 'secret', path: 'inbox' },
    ],
  }).expect(202);
  const list = await request(api.app).get('/api/copies?runid=src').set(olga.auth).expect(200);
  const mine = list.body.items.filter(
    (c: { operation_id: string }) => c.operation_id === res.body.operationId,
  );
  expect(mine).toHaveLength(2);
  const dests = mine.map((c: { dest_runid: string | null }) => c.dest_runid).sort();
  expect(dests).toEqual(['d3', null]); // olga may not see 'secret'
  // sam sees the copy into his run, not where it came from
  const sams = await request(api.app).get('/api/copies?runid=secret').set(sam.auth).expect(200);
  const intoSecret = sams.body.items.find(
    (c: { operation_id: string }) => c.operation_id === res.body.operationId,
  );
  expect(intoSecret).toMatchObject({ src_runid: null, paths: null, dest_runid: 'secret', status: 'pending' });
  // olga sees neither the hidden run's path, nor an error text that would name it
  const hidden = mine.find((c: { dest_runid: string | null }) => c.dest_runid === null);
  await api.world.prisma.pendingCopy.update({
    where: { id: hidden.id },
    data: {
      status: 'failed',
      error: 'inbox/notes.md already exists in run secret',
      errorCode: 'DESTINATION_EXISTS',
    },
  });
  const again = await request(api.app).get('/api/copies?runid=src').set(olga.auth).expect(200);
  const failed = again.body.items.find((c: { id: string }) => c.id === hidden.id);
  expect(failed).toMatchObject({ dest_runid: null, dest_path: null, error_code: 'DESTINATION_EXISTS' });
  expect(JSON.stringify(failed)).not.toContain('secret');
  // strangers and missing runs: 404 alike; no runid: admins only
  await request(api.app).get('/api/copies?runid=secret').set(olga.auth).expect(404);
  await request(api.app).get('/api/copies?runid=nope').set(olga.auth).expect(404);
  expect((await request(api.app).get('/api/copies').set(olga.auth).expect(400)).body.error.code).toBe(
    'RUNID_REQUIRED',
  );
  const all = await request(api.app).get('/api/copies').set(admin.auth).expect(200);
  expect(all.body.total).toBeGreaterThanOrEqual(2);
});

test('cancel: a pending copy is cancelled (collaborator on either run); a done one is 409; strangers get 404', async () => {
  const res = await copy(olga, body()).expect(202);
  const [c1, c2] = res.body.copies as { id: string }[];
  await request(api.app).post(`/api/copies/${c1.id}/cancel`).set(sam.auth).expect(404);
  await request(api.app).post(`/api/copies/${c1.id}/cancel`).set(vera.auth).expect(403);
  await request(api.app).post('/api/copies/not-a-uuid/cancel').set(olga.auth).expect(404);
  const done = await request(api.app).post(`/api/copies/${c1.id}/cancel`).set(carl.auth).expect(200);
  expect(done.body).toMatchObject({ id: c1.id, status: 'cancelled', error_code: 'CANCELLED' });
  const again = await request(api.app).post(`/api/copies/${c1.id}/cancel`).set(olga.auth).expect(409);
  expect(again.body.error.code).toBe('COPY_NOT_PENDING');
  await api.world.prisma.pendingCopy.update({ where: { id: c2.id }, data: { status: 'done' } });
  const applied = await request(api.app).post(`/api/copies/${c2.id}/cancel`).set(olga.auth).expect(409);
  expect(applied.body.error.message).toMatch(/is done/);
  await api.world.prisma.pendingCopy.update({ where: { id: c2.id }, data: { status: 'applying' } });
  await request(api.app).post(`/api/copies/${c2.id}/cancel`).set(olga.auth).expect(409);
});
