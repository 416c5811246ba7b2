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
import { folderRetrieveProcessor } from '../../services/compress/src/folder-retrieve/processor';
import { createHash } from 'node:crypto';

/** Every entry under `dir`: relative path → SHA-256 of a file, `dir` for a directory. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        out[path.relative(dir, p)] = 'dir';
        await walk(p);
      } else
        out[path.relative(dir, p)] = createHash('sha256')
          .update(await fs.readFile(p))
          .digest('hex');
    }
  };
  await walk(dir);
  return out;
}

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
  await fs.mkdir(path.join(root, 'Production/2023/Old_Project/empty-dir'), { recursive: true });
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

let original: Record<string, string>;

test('two jobs queued through the API run through both services; folders, status and clean-up follow', async () => {
  original = await tree(path.join(root, 'Production/2023/Old_Project'));
  // A plain user may not move folders to cold storage.
  const refused = await request(app)
    .post('/api/jobs')
    .set(as('carol', 'user'))
    .send({ folder_path: 'Production/2023/Old_Project' })
    .expect(403);
  expect(refused.body.error.code).toBe('ROLE_REQUIRED');
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
    ['compress-folder', [folderArchiveProcessor(), folderRetrieveProcessor()]],
    ['upload-verify', [folderUploadProcessor()]],
  ] as const) {
    const w = new BaseWorker({ queue, processors: [...proc], config, prisma, connection: api.world.redis });
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
    state: 'archived',
    archive: {
      archived_by: 'alice',
      bucket: done.body.bucket,
      key: 'Production/2023/Old_Project.tar.7z',
      size_bytes: done.body.archive_size_bytes,
      sha256: done.body.sha256,
      job_id: id,
    },
  });
  const unlisted = await request(app).get('/api/folders').set(as()).expect(200);
  expect(unlisted.body.map((f: { name: string }) => f.name)).not.toContain('Old_Project');

  const after = await request(app).get('/api/system/status').set(as()).expect(200);
  expect(after.body.workers.copy_compress.online).toBe(true);
  expect(after.body.statistics.completed_jobs).toBe(2);
  // Clear completed: admins only; it hides the jobs from History, the records of the deletions stay.
  const plain = await request(app).delete('/api/jobs/completed').set(as()).expect(403);
  expect(plain.body.error.code).toBe('FORBIDDEN');
  const removed = await request(app).delete('/api/jobs/completed').set(as('root', 'admin')).expect(200);
  expect(removed.body).toEqual({ deleted_count: 2, hidden_count: 2 });
  const history = await request(app).get('/api/jobs').set(as()).expect(200);
  expect(history.body.map((j: { job_id: string }) => j.job_id)).not.toContain(id);
  await request(app).get(`/api/jobs/${id}`).set(as()).expect(200);
  expect(await prisma.operation.count({ where: { kind: 'folder-archive', status: 'succeeded' } })).toBe(2);
  expect(await prisma.operationLog.count({ where: { operationId: id } })).toBeGreaterThan(0);
});

test('restore from cold storage brings the folder back byte for byte; the object stays', async () => {
  const folder_path = 'Production/2023/Old_Project';
  const refused = await request(app)
    .post('/api/folders/retrieve')
    .set(as('carol', 'user'))
    .send({ folder_path })
    .expect(403);
  expect(refused.body.error.code).toBe('ROLE_REQUIRED');
  const notArchived = await request(app)
    .post('/api/folders/retrieve')
    .set(as())
    .send({ folder_path: 'Production/2023/Nope' })
    .expect(404);
  expect(notArchived.body.error.code).toBe('FOLDER_NOT_FOUND');
  const res = await request(app)
    .post('/api/folders/retrieve')
    .set(as('bob'))
    .send({ folder_path })
    .expect(202);
  expect(res.body).toEqual({ operationId: expect.any(String), channel: `folder:${res.body.operationId}` });
  const second = await request(app).post('/api/folders/retrieve').set(as('bob')).send({ folder_path });
  // One job per folder: refused while the first runs (exclusive key), or after it (no marker).
  expect(second.status).toBe(409);
  await waitFor(async () => {
    const op = await api.world.prisma.operation.findUnique({ where: { id: res.body.operationId } });
    if (op?.status === 'failed') throw new Error(`retrieval failed: ${op.error}`);
    return op?.status === 'succeeded';
  }, 45000);
  expect(await tree(path.join(root, folder_path))).toEqual(original);
  expect(await fs.readdir(path.join(root, 'Production/2023'))).toEqual(['Old_Project', 'Two_Txt']);
  expect(await api.deps.blobStore.head('Production/2023/Old_Project.tar.7z')).not.toBeNull();
  const listed = await request(app).get('/api/folders').set(as()).expect(200);
  expect(listed.body.find((f: { name: string }) => f.name === 'Old_Project')).toMatchObject({
    is_archived: false,
    state: 'ready',
    archive: null,
  });
  const again = await request(app)
    .post('/api/folders/retrieve')
    .set(as('bob'))
    .send({ folder_path })
    .expect(409);
  expect(again.body.error.code).toBe('FOLDER_NOT_ARCHIVED');
});
