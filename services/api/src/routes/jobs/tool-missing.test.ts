import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';
import { makeUser, type TestUser } from '../../test-support/users';

let api: ApiWorld;
let root: string;
let empty: string;
let alice: TestUser;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-nas-'));
  empty = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-no-tools-'));
  await fs.mkdir(path.join(root, 'Production/2024/Project_Alpha'), { recursive: true });
  await fs.writeFile(path.join(root, 'Production/2024/Project_Alpha/clip.mp4'), 'x');
  api = await createApiWorld({ SOURCE_ROOT: root, MIN_FREE_SPACE_GB: '0' });
  alice = await makeUser(api, 'alice', { role: 'operator' });
});
afterAll(async () => {
  await api.close();
  await fs.rm(root, { recursive: true, force: true });
  await fs.rm(empty, { recursive: true, force: true });
});

test('POST /api/jobs without 7z installed answers 503 TOOL_MISSING with the install command and queues nothing', async () => {
  const saved = process.env.PATH;
  process.env.PATH = empty;
  try {
    const res = await request(api.app)
      .post('/api/jobs')
      .set(alice.auth)
      .send({ folder_path: 'Production/2024/Project_Alpha' })
      .expect(503);
    expect(res.body.error).toMatchObject({
      code: 'TOOL_MISSING',
      message: '7z is not installed (needed for cold-storage archiving): apt-get install -y p7zip-full',
    });
  } finally {
    process.env.PATH = saved;
  }
  expect(await api.world.prisma.operation.count()).toBe(0);
});
