import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { heartbeatHost, parseConfig, runLocksKey, runPath } from '@arkive/shared';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';
import { makeUser, type TestUser } from '../../test-support/users';

let api: ApiWorld;
let olga: TestUser, carl: TestUser, sam: TestUser, admin: TestUser;
const here = () => api.world.config.hostId;

beforeAll(async () => {
  api = await createApiWorld();
  olga = await makeUser(api, 'olga');
  carl = await makeUser(api, 'carl');
  sam = await makeUser(api, 'sam');
  admin = await makeUser(api, 'root', { isAdmin: true });
  const beat = (id: string, region?: string) =>
    heartbeatHost(
      api.deps.prisma,
      parseConfig({
        ...api.world.env,
        HOST_ID: id,
        RUNS_ROOT: `/srv/${id}/runs`,
        ...(region
          ? { BACKUP_REGIONS: `local,${region}=/srv/${region}`, BACKUP_DEFAULT_REGION: region }
          : {}),
      }),
      true,
    );
  await beat(here());
  await beat('h2');
  await beat('far', 'eu');
  await beat('drained');
  await beat('gone');
  await beat('asleep');
  await api.deps.prisma.host.update({ where: { id: 'drained' }, data: { status: 'draining' } });
  await api.deps.prisma.host.update({ where: { id: 'gone' }, data: { status: 'off' } });
  await api.deps.prisma.host.update({
    where: { id: 'asleep' },
    data: { lastHeartbeatAt: new Date(Date.now() - 3600_000) },
  });
});
afterAll(() => api.close());

async function makeRun(runid: string) {
  const dir = runPath(api.world.config.runsRoot, runid);
  await fs.mkdir(path.join(dir, 'archives'), { recursive: true });
  await fs.writeFile(path.join(dir, 'a.txt'), 'hello');
  await fs.writeFile(path.join(dir, 'archives', 'old.zip'), Buffer.alloc(5000));
  await api.world.prisma.run.create({
    data: {
      id: runid,
      createdBy: 'olga',
      hostId: here(),
      members: {
        create: [
          { userId: olga.id, role: 'owner' },
          { userId: carl.id, role: 'collaborator' },
        ],
      },
    },
  });
}

const move = (runid: string, who: TestUser | null, body: object) => {
  const r = request(api.app).post(`/api/runs/${runid}/move`).send(body);
  return who ? r.set(who.auth) : r;
};

test('only the owner or an admin moves a run; a stranger learns nothing', async () => {
  await makeRun('mv-auth');
  await move('mv-auth', null, { destHostId: 'h2' }).expect(401);
  await move('mv-auth', carl, { destHostId: 'h2' }).expect(403);
  const stranger = await move('mv-auth', sam, { destHostId: 'h2' }).expect(404);
  const unknown = await move('no-such-run', sam, { destHostId: 'h2' }).expect(404);
  expect(stranger.body).toEqual(JSON.parse(JSON.stringify(unknown.body).replace(/no-such-run/g, 'mv-auth')));
  // a stranger naming an unknown host still learns only that the run is not theirs
  expect((await move('mv-auth', sam, { destHostId: 'nowhere' }).expect(404)).body).toEqual(stranger.body);
});

test('refusals: bad body, unknown host, same host, off, draining, other region, not enough space, locked', async () => {
  await makeRun('mv-no');
  const code = async (body: object, status: number) =>
    (await move('mv-no', olga, body).expect(status)).body.error.code as string;
  expect(await code({}, 400)).toBe('VALIDATION_FAILED');
  expect(await code({ destHostId: 'h2', extra: 1 }, 400)).toBe('VALIDATION_FAILED');
  expect(await code({ destHostId: 'h2', includeArchives: 'yes' }, 400)).toBe('VALIDATION_FAILED');
  expect(await code({ destHostId: 'nowhere' }, 404)).toBe('HOST_NOT_FOUND');
  expect(await code({ destHostId: here() }, 409)).toBe('SAME_HOST');
  expect(await code({ destHostId: 'gone' }, 409)).toBe('HOST_OFF');
  expect(await code({ destHostId: 'drained' }, 409)).toBe('HOST_DRAINING');
  const region = await move('mv-no', olga, { destHostId: 'far' }).expect(409);
  expect(region.body.error.code).toBe('REGION_MISMATCH');
  expect(region.body.error.message).toMatch(/region local .* region eu/);

  // space: the run holds 5 bytes outside archives/ and 5000 inside
  await api.deps.prisma.host.update({ where: { id: 'h2' }, data: { freeBytes: 100n } });
  const space = await move('mv-no', admin, { destHostId: 'h2', includeArchives: true }).expect(409);
  expect(space.body.error.code).toBe('INSUFFICIENT_SPACE');
  expect(space.body.error.details).toMatchObject({ freeBytes: 100, bytesNeeded: 5005 });
  await api.deps.prisma.host.update({ where: { id: 'h2' }, data: { freeBytes: 10n ** 12n } });

  // a locked run is not moved
  await api.world.redis.hset(runLocksKey(api.world.config.redisPrefix, 'mv-no'), 'acquisition', '1');
  expect(await code({ destHostId: 'h2' }, 409)).toBe('RUN_LOCKED');
  await api.world.redis.hdel(runLocksKey(api.world.config.redisPrefix, 'mv-no'), 'acquisition');
  expect(await api.deps.prisma.operation.count({ where: { scopeId: 'mv-no' } })).toBe(0);
});

test('a move is queued on the source host (an offline destination is fine) and holds the run', async () => {
  await makeRun('mv-ok');
  const res = await move('mv-ok', olga, { destHostId: 'asleep' }).expect(202);
  expect(res.body.channel).toBe('mv-ok:archive');
  const op = await api.world.prisma.operation.findUniqueOrThrow({ where: { id: res.body.operationId } });
  expect(op).toMatchObject({
    kind: 'run-move',
    scopeId: 'mv-ok',
    exclusiveKey: 'run:mv-ok',
    queue: 'backup',
    hostId: here(),
    stage: 'validating',
  });
  expect(op.input).toEqual({
    runid: 'mv-ok',
    sourceHostId: here(),
    destHostId: 'asleep',
    includeArchives: false,
  });
  // one move (or any other operation) per run at a time
  const again = await move('mv-ok', admin, { destHostId: 'h2' }).expect(409);
  expect(again.body.error.code).toBe('OPERATION_ACTIVE');
  // the API moved nothing itself; the run still answers its source host
  const got = await request(api.app).get('/api/runs/mv-ok').set(olga.auth).expect(200);
  expect(got.body.host_id).toBe(here());
});
