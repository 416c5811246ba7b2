import express from 'express';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { waitFor } from '@arkive/shared/test-support/harness';
import { asTestUser, withTestUser } from '../../test-support/users';
import { createApiWorld, type ApiWorld } from '../../test-support/api-world';

let api: ApiWorld;
let root: string;
let outside: string;
let app: express.Express;

async function put(rel: string, files: Record<string, string>) {
  await fs.mkdir(path.join(root, rel), { recursive: true });
  for (const [n, body] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, rel, n)), { recursive: true });
    await fs.writeFile(path.join(root, rel, n), body);
  }
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-nas-'));
  outside = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-outside-'));
  await fs.writeFile(path.join(outside, 'secret.mp4'), 'secret');
  await put('Production/2024/Project_Alpha', {
    'file1.mp4': 'x'.repeat(3000),
    'file2.mp4': 'y'.repeat(1000),
  });
  await put('Production/2024/Project_Beta', { 'notes.txt': 'only a txt' });
  await put('Production/2024/Project_Gamma', { 'file1.mp4': 'z', '-ARCHIVED-TO-GLOBUS.txt': 'marker' });
  await put('Production/2024/Project_Delta', { 'clip.mov': 'd', '.archived': '' });
  await put('Production/2024/Project_Eps', { 'Project_Eps-ARCHIVED-TO-GLOBUS.txt': 'ours' });
  await put('Production/2023/Old_Project', { 'media/video.mp4': 'v'.repeat(500) });
  await put('Production/2023/Two_Txt', { 'a.txt': 'a', 'b.txt': 'b' });
  await fs.mkdir(path.join(root, 'Production/2023/Empty'), { recursive: true });
  await put('Production/loose', {}); // level 2 without level 3 folders
  await fs.writeFile(path.join(root, 'Production/2023/stray-file.txt'), 'not a folder');
  await fs.symlink(outside, path.join(root, 'Production/2024/Linked_Out'));
  await fs.symlink(path.join(root, 'Production'), path.join(root, 'LinkedLevel1'));
  api = await createApiWorld({ SOURCE_ROOT: root, MIN_FREE_SPACE_GB: '0', RETRY_DELAY_SECONDS: '0.2' });
  app = withTestUser(api.app);
});
afterAll(async () => {
  await api.close();
  await fs.rm(root, { recursive: true, force: true });
  await fs.rm(outside, { recursive: true, force: true });
});

const as = asTestUser;

test('every folder route requires a signed-in user', async () => {
  for (const [m, p] of [
    ['get', '/api/folders'],
    ['post', '/api/jobs'],
    ['get', '/api/jobs'],
    ['get', '/api/queue'],
    ['get', '/api/system/status'],
    ['delete', '/api/jobs/completed'],
  ] as const) {
    await request(app)[m](p).expect(401);
  }
});

test('discovery lists level-3 folders, excluding empty, single-.txt, marked and linked ones', async () => {
  const res = await request(app).get('/api/folders').set(as()).expect(200);
  expect(res.body.map((f: { relative_path: string }) => f.relative_path)).toEqual([
    'Production/2023/Old_Project',
    'Production/2023/Two_Txt',
    'Production/2024/Project_Alpha',
  ]);
  const alpha = res.body.find((f: { name: string }) => f.name === 'Project_Alpha');
  expect(alpha).toMatchObject({
    path: path.join(root, 'Production/2024/Project_Alpha'),
    level1: 'Production',
    level2: '2024',
    size_bytes: 4000,
    size_human: '3.91 KB',
    file_count: 2,
    is_archived: false,
    has_job: false,
    job_id: null,
  });
  expect(new Date(alpha.modified_at).getTime()).toBeGreaterThan(0);
  expect(res.headers['x-total-count']).toBe('3');
  const all = await request(app).get('/api/folders?include_archived=true&sort=-size').set(as()).expect(200);
  expect(
    all.body
      .filter((f: { is_archived: boolean }) => f.is_archived)
      .map((f: { name: string }) => f.name)
      .sort(),
  ).toEqual(['Project_Delta', 'Project_Eps', 'Project_Gamma']);
  expect(all.body[0].name).toBe('Project_Alpha');
  const q = await request(app).get('/api/folders?q=old&limit=1').set(as()).expect(200);
  expect(q.body.map((f: { name: string }) => f.name)).toEqual(['Old_Project']);
});

test('refresh rescans in the background and serves the cached list meanwhile', async () => {
  await put('Production/2025/New_One', { 'n.mp4': 'n' });
  const cached = await request(app).get('/api/folders').set(as()).expect(200);
  expect(cached.body.map((f: { name: string }) => f.name)).not.toContain('New_One');
  const refreshing = await request(app).get('/api/folders?refresh=true').set(as()).expect(200);
  expect(refreshing.headers['x-folder-scan']).toBe('scanning');
  await waitFor(async () => {
    const r = await request(app).get('/api/folders').set(as());
    return r.body.some((f: { name: string }) => f.name === 'New_One');
  });
});

test('job paths are validated against SOURCE_ROOT (traversal, outside, symlink escape, wrong depth)', async () => {
  const bad = [
    '../etc/passwd/x',
    'Production/2024/../../../etc',
    'Production/../Production/2024/Project_Alpha',
    '/etc/ssl/certs',
    path.join(outside),
    `${root}/../${path.basename(outside)}/x/y`,
    'Production/2024',
    'Production/2024/Project_Alpha/file1.mp4',
    'Production/2024/Project_Alpha/sub/deeper',
    'Production/2024/Linked_Out',
    'LinkedLevel1/2024/Project_Alpha',
    'Production\\2024\\Project_Alpha',
  ];
  for (const folder_path of bad) {
    const res = await request(app).post('/api/jobs').set(as()).send({ folder_path });
    expect([res.status, folder_path]).toEqual([400, folder_path]);
    expect(res.body.error.code).toMatch(/FOLDER_PATH_INVALID|VALIDATION_FAILED/);
  }
  const missing = await request(app)
    .post('/api/jobs')
    .set(as())
    .send({ folder_path: 'Production/2024/Nope' })
    .expect(404);
  expect(missing.body.error.code).toBe('FOLDER_NOT_FOUND');
  const marked = await request(app)
    .post('/api/jobs')
    .set(as())
    .send({ folder_path: 'Production/2024/Project_Gamma' })
    .expect(409);
  expect(marked.body.error.code).toBe('FOLDER_ALREADY_ARCHIVED');
});

test('jobs: create, one active per folder, list, get, queue, logs, cancel, retry, system status', async () => {
  const created = await request(app)
    .post('/api/jobs')
    .set(as('alice'))
    .send({ folder_path: path.join(root, 'Production/2023/Old_Project') })
    .expect(201);
  expect(created.body).toMatchObject({ status: 'queued', folder_name: 'Old_Project' });
  expect(created.body.job_id).toMatch(/^[0-9a-f-]{36}$/);
  const id = created.body.job_id as string;
  const dup = await request(app)
    .post('/api/jobs')
    .set(as('bob'))
    .send({ folder_path: 'Production/2023/Old_Project' })
    .expect(409);
  expect(dup.body.error.code).toBe('OPERATION_ACTIVE');
  const second = await request(app)
    .post('/api/jobs')
    .set(as('bob'))
    .send({ folder_path: 'Production/2023/Two_Txt' })
    .expect(201);

  const job = await request(app).get(`/api/jobs/${id}`).set(as()).expect(200);
  expect(job.body).toMatchObject({
    job_id: id,
    folder_name: 'Old_Project',
    source_path: path.join(root, 'Production/2023/Old_Project'),
    globus_destination_path: '/Production/2023/Old_Project.tar.7z',
    status: 'queued',
    progress_percent: 0,
    created_by: 'alice',
    retry_count: 0,
    error_message: null,
    completed_at: null,
    globus_task_id: null,
  });
  const list = await request(app).get('/api/jobs?status=queued').set(as()).expect(200);
  expect(list.body.map((j: { job_id: string }) => j.job_id)).toEqual([second.body.job_id, id]);
  expect(list.headers['x-total-count']).toBe('2');
  const folders = await request(app).get('/api/folders').set(as()).expect(200);
  expect(folders.body.find((f: { name: string }) => f.name === 'Old_Project')).toMatchObject({
    has_job: true,
    job_id: id,
    job_status: 'queued',
  });

  const queue = await request(app).get('/api/queue').set(as()).expect(200);
  expect(queue.body).toMatchObject({
    current_copy_compress_job: null,
    current_upload_job: null,
    queued_jobs: [
      { job_id: id, folder_name: 'Old_Project', position: 1, created_by: 'alice' },
      { job_id: second.body.job_id, folder_name: 'Two_Txt', position: 2, created_by: 'bob' },
    ],
  });

  await request(app).delete(`/api/jobs/${second.body.job_id}`).set(as()).expect(204);
  expect((await request(app).get(`/api/jobs/${second.body.job_id}`).set(as())).body.status).toBe('cancelled');
  await request(app).delete(`/api/jobs/${second.body.job_id}`).set(as()).expect(409);
  const retried = await request(app).post(`/api/jobs/${second.body.job_id}/retry`).set(as()).expect(200);
  expect(retried.body).toEqual({
    job_id: second.body.job_id,
    status: 'queued',
    retry_count: 0,
    restart_stage: 'copy',
  });
  await request(app).post(`/api/jobs/${id}/retry`).set(as()).expect(409);

  const logs = await request(app)
    .get(`/api/jobs/${second.body.job_id}/logs?level=info`)
    .set(as())
    .expect(200);
  expect(logs.body[0]).toMatchObject({
    level: 'INFO',
    message: expect.stringContaining('Job created by bob'),
  });
  expect(logs.body.every((l: { level: string }) => l.level === 'INFO')).toBe(true);
  expect(Object.keys(logs.body[0]).sort()).toEqual(['level', 'message', 'timestamp']);

  const status = await request(app).get('/api/system/status').set(as()).expect(200);
  expect(status.body.disk_space.total_gb).toBeGreaterThan(0);
  expect(typeof status.body.disk_space.warning).toBe('boolean');
  expect(status.body.workers).toEqual({
    copy_compress: { status: 'idle', current_job_id: null, online: false },
    upload: { status: 'idle', current_job_id: null, online: false },
  });
  expect(status.body.statistics).toMatchObject({
    total_jobs: 2,
    queued_jobs: 2,
    completed_jobs: 0,
    failed_jobs: 0,
  });

  // The run through real workers of both services is in infra/integration/folder-jobs-api.test.ts.
});
