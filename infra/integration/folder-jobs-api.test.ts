import express from 'express';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { BaseWorker } from '@arkive/shared';
import { waitFor } from '@arkive/shared/test-support/harness';
import { asTestUser, withTestUser } from '../../services/api/src/test-support/users';
import { createApiWorld, type ApiWorld } from '../../services/api/src/test-support/api-world';
import { folderArchiveProcessor } from '../../services/compress/src/folder-archive';
import { folderUploadProcessor } from '../../services/upload-verify/src/folder-upload';

/** The PRD's job API driving real workers of both services (compress-folder, upload-verify) end to end. */
let api: ApiWorld;
let root: string;
let app: express.Express;
const workers: BaseWorker[] = [];

const as = asTestUser;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-nas-'));
  await fs.mkdir(path.join(root, 'Production/2023/Old_Project/media'), { recursive: true });
  await fs.writeFile(path.join(root, 'Production/2023/Old_Project/media/video.mp4'), 'v'.repeat(500));
  await fs.mkdir(path.join(root, 'Production/2023/Two_Txt'), { recursive: true });
  await fs.writeFile(path.join(root, 'Production/2023/Two_Txt/a.txt'), 'a');
  await fs.writeFile(path.join(root, 'Production/2023/Two_Txt/b.txt'), 'b');
  api = await createApiWorld({ SOURCE_ROOT: root, MIN_FREE_SPACE_GB: '0', RETRY_DELAY_SECONDS: '0.2' });
  app = withTestUser(api.app);
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close(100)));
  await api.close();
  await fs.rm(root, { recursive: true, force: true });
});

test('two jobs queued through the API run through both services; folders, status and clean-up follow', async () => {
  const id = (
    await request(app)
      .post('/api/jobs')
      .set(as())
      .send({ folder_path: 'Production/2023/Old_Project' })
      .expect(201)
  ).body.job_id as string;
  await request(app)
    .post('/api/jobs')
    .set(as('bob'))
    .send({ folder_path: 'Production/2023/Two_Txt' })
    .expect(201);
  // Run both through real workers (local-filesystem bucket in this world).
  const { config, prisma } = api.world;
  for (const [queue, proc] of [
    ['compress-folder', folderArchiveProcessor()],
    ['upload-verify', folderUploadProcessor()],
  ] as const) {
    const w = new BaseWorker({ queue, processors: [proc], config, prisma, connection: api.world.redis });
    w.start();
    await w.waitUntilReady();
    workers.push(w);
  }
  await waitFor(async () => {
    const r = await request(app).get('/api/jobs?status=completed').set(as());
    return r.body.length === 2;
  }, 45000);
  const done = await request(app).get(`/api/jobs/${id}`).set(as()).expect(200);
  expect(done.body).toMatchObject({
    status: 'completed',
    progress_percent: 100,
    folder_size_bytes: 500,
    error_message: null,
    destination_key: 'Production/2023/Old_Project.tar.7z',
  });
  expect(done.body.archive_size_bytes).toBeGreaterThan(0);
  expect(done.body.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(await fs.readdir(path.join(root, 'Production/2023/Old_Project'))).toEqual([
    'Old_Project-ARCHIVED-TO-GLOBUS.txt',
  ]);
  expect(await api.deps.blobStore.sha256('Production/2023/Old_Project.tar.7z')).toBe(done.body.sha256);

  const listed = await request(app).get('/api/folders?include_archived=true').set(as()).expect(200);
  expect(listed.body.find((f: { name: string }) => f.name === 'Old_Project')).toMatchObject({
    is_archived: true,
    has_job: false,
  });
  const unlisted = await request(app).get('/api/folders').set(as()).expect(200);
  expect(unlisted.body.map((f: { name: string }) => f.name)).not.toContain('Old_Project');

  const after = await request(app).get('/api/system/status').set(as()).expect(200);
  expect(after.body.workers.copy_compress.online).toBe(true);
  expect(after.body.statistics.completed_jobs).toBe(2);
  const removed = await request(app).delete('/api/jobs/completed').set(as()).expect(200);
  expect(removed.body).toEqual({ deleted_count: 2 });
  await request(app).get(`/api/jobs/${id}`).set(as()).expect(404);
});
