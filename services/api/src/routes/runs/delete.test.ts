import fs from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { runPath } from '@arkive/shared';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';
import { makeUser, type TestUser } from '../../test-support/users';

let api: ApiWorld;
let olga: TestUser, carl: TestUser, sam: TestUser, admin: TestUser;
beforeAll(async () => {
  api = await createApiWorld();
  olga = await makeUser(api, 'olga');
  carl = await makeUser(api, 'carl');
  sam = await makeUser(api, 'sam');
  admin = await makeUser(api, 'root', { isAdmin: true });
});
afterAll(() => api.close());

async function makeRun(runid: string) {
  const dir = runPath(api.world.config.runsRoot, runid);
  await fs.mkdir(path.join(dir, 'archives'), { recursive: true });
  await fs.writeFile(path.join(dir, 'a.txt'), 'hello');
  await fs.writeFile(path.join(dir, 'b.txt'), 'world!');
  await api.world.prisma.run.create({
    data: {
      id: runid,
      createdBy: 'olga',
      members: {
        create: [
          { userId: olga.id, role: 'owner' },
          { userId: carl.id, role: 'collaborator' },
        ],
      },
    },
  });
}

test('the deletion plan says what goes; only the owner or an admin sees it, a stranger learns nothing', async () => {
  await makeRun('del-plan');
  const plan = await request(api.app).get('/api/runs/del-plan/deletion-plan').set(olga.auth).expect(200);
  expect(plan.body).toMatchObject({
    runid: 'del-plan',
    directory_present: true,
    files: 2,
    bytes: 11,
    archives: 0,
    backups: 0,
  });
  expect(plan.body.message).toMatch(/cannot be undone/);
  await request(api.app).get('/api/runs/del-plan/deletion-plan').set(admin.auth).expect(200);
  await request(api.app).get('/api/runs/del-plan/deletion-plan').set(carl.auth).expect(403);
  const stranger = await request(api.app).get('/api/runs/del-plan/deletion-plan').set(sam.auth).expect(404);
  const unknown = await request(api.app).get('/api/runs/no-such-run/deletion-plan').set(sam.auth).expect(404);
  expect(stranger.body).toEqual(JSON.parse(JSON.stringify(unknown.body).replace(/no-such-run/g, 'del-plan')));
});

test('DELETE needs ?confirm=<runid>, the owner or an admin, and no other work on the run', async () => {
  await makeRun('del-me');
  const none = await request(api.app).delete('/api/runs/del-me').set(olga.auth).expect(400);
  expect(none.body.error.code).toBe('CONFIRMATION_REQUIRED');
  const wrong = await request(api.app).delete('/api/runs/del-me?confirm=del-m').set(olga.auth).expect(400);
  expect(wrong.body.error.code).toBe('CONFIRMATION_REQUIRED');
  await request(api.app).delete('/api/runs/del-me?confirm=del-me').set(carl.auth).expect(403);
  await request(api.app).delete('/api/runs/del-me?confirm=del-me').set(sam.auth).expect(404);
  await request(api.app).delete('/api/runs/del-me?confirm=del-me').expect(401);
  const queued = await request(api.app).delete('/api/runs/del-me?confirm=del-me').set(olga.auth).expect(202);
  const op = await api.world.prisma.operation.findUniqueOrThrow({ where: { id: queued.body.operationId } });
  expect(op).toMatchObject({ kind: 'run-delete', scopeId: 'del-me', exclusiveKey: 'run:del-me' });
  expect(queued.body.channel).toBe('del-me:archive');
  // the deletion holds the run's key: nothing else (another deletion, a snapshot) starts meanwhile
  const again = await request(api.app).delete('/api/runs/del-me?confirm=del-me').set(admin.auth).expect(409);
  expect(again.body.error.code).toBe('OPERATION_ACTIVE');
  // nothing was removed by the API itself: the backup service does it
  expect((await fs.stat(runPath(api.world.config.runsRoot, 'del-me'))).isDirectory()).toBe(true);
});
