import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  BaseWorker,
  createBlobStore,
  createQueueProvider,
  enqueueOperation,
  EventPublisher,
  folderArchive,
  requestCancel,
  retryOperation,
  sha256File,
  type BlobStore,
  type Config,
  type Operation,
  type QueueProvider,
} from '@arkive/shared';
import { createTestWorld, waitFor, type TestWorld } from '@arkive/shared/test-support/harness';
import { startS3Server, type TestS3Server } from '@arkive/shared/test-support/s3';
// The folder-archive kind spans two services; this integration test drives both segments' processors.
import { folderArchiveProcessor, type FolderArchiveHooks } from '../../services/compress/src/folder-archive';
import {
  folderUploadProcessor,
  type FolderUploadHooks,
} from '../../services/upload-verify/src/folder-upload';

let s3: TestS3Server;
let world: TestWorld;
let sourceRoot: string;
let queues: QueueProvider;
let deps: { prisma: TestWorld['prisma']; publisher: EventPublisher; queues: QueueProvider; config: Config };
let store: BlobStore;
let workers: BaseWorker[] = [];
let n = 0;

beforeAll(async () => {
  s3 = await startS3Server();
  sourceRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-src-'));
  world = await createTestWorld({
    ...s3.env,
    SOURCE_ROOT: sourceRoot,
    RETRY_DELAY_SECONDS: '0.2',
    MIN_FREE_SPACE_GB: '0',
    DISK_CHECK_INTERVAL_SECONDS: '0.2',
  });
  queues = createQueueProvider(world.redis, world.prefix);
  deps = {
    prisma: world.prisma,
    publisher: new EventPublisher(world.redis, world.prefix),
    queues,
    config: world.config,
  };
  store = createBlobStore(world.config);
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close(100)));
});
afterAll(async () => {
  await queues.closeAll();
  await world.close();
  await s3.close();
  await fs.rm(sourceRoot, { recursive: true, force: true });
});

async function enqueueFolderJob(folder: string, createdBy: string): Promise<Operation> {
  return (await enqueueOperation(deps, folderArchive, { folder }, { createdBy })).operation;
}

async function makeFolder(
  files: Record<string, string | Buffer> = { 'a.mp4': randomBytes(200_000), 'sub/b.txt': 'hello' },
) {
  const rel = `Production/2024/Project_${++n}`;
  for (const [name, body] of Object.entries(files)) {
    const p = path.join(sourceRoot, rel, name);
    await fs.mkdir(path.dirname(p), { recursive: true });
    await fs.writeFile(p, body);
  }
  return { rel, abs: path.join(sourceRoot, rel), name: `Project_${n}` };
}

async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out[path.relative(dir, p)] = await sha256File(p);
    }
  };
  await walk(dir);
  return out;
}

async function startWorkers(
  opts: {
    archive?: FolderArchiveHooks;
    upload?: FolderUploadHooks;
    config?: Config;
    only?: 'archive' | 'upload';
  } = {},
) {
  const config = opts.config ?? world.config;
  const started: BaseWorker[] = [];
  if (opts.only !== 'upload')
    started.push(
      new BaseWorker({
        queue: 'compress-folder',
        processors: [folderArchiveProcessor(opts.archive)],
        config,
        prisma: world.prisma,
        connection: world.redis,
        concurrency: 1,
      }),
    );
  if (opts.only !== 'archive')
    started.push(
      new BaseWorker({
        queue: 'upload-verify',
        processors: [folderUploadProcessor({ hooks: opts.upload })],
        config,
        prisma: world.prisma,
        connection: world.redis,
        concurrency: 1,
      }),
    );
  for (const w of started) w.start();
  await Promise.all(started.map((w) => w.waitUntilReady()));
  workers.push(...started);
  return started;
}

async function stopWorkers(list: BaseWorker[], graceMs = 100) {
  await Promise.all(list.map((w) => w.close(graceMs)));
  workers = workers.filter((w) => !list.includes(w));
}

const op = (id: string) => world.prisma.operation.findUniqueOrThrow({ where: { id } });
async function terminal(id: string, timeoutMs = 45000): Promise<Operation> {
  return waitFor(async () => {
    const o = await op(id);
    return ['succeeded', 'failed', 'cancelled'].includes(o.status) ? o : null;
  }, timeoutMs);
}
/** The 'Completed' log line is written just after the terminal status; wait for it before counting. */
const completedLogs = async (id: string) => {
  await waitFor(async () => (await logs(id)).includes('INFO Completed'));
  return logs(id);
};
const logs = async (id: string) =>
  (await world.prisma.operationLog.findMany({ where: { operationId: id }, orderBy: { id: 'asc' } })).map(
    (l) => `${l.level} ${l.message}`,
  );
const jobDir = (kind: 'temp' | 'archives' | 'failed', id: string) =>
  path.join(world.config.storageRoot, kind, id);
const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );

test('happy path: copy → 7z → test → upload → verify → source emptied, marker written, local archive deleted', async () => {
  const f = await makeFolder();
  await startWorkers();
  const job = await enqueueFolderJob(f.rel, 'alice');
  const done = await terminal(job.id);
  expect(done.status).toBe('succeeded');
  const key = `Production/2024/${f.name}.tar.7z`;
  const result = done.result as Record<string, unknown>;
  expect(result).toMatchObject({ bucket: s3.bucket, key, folder_size_bytes: 200_005, file_count: 2 });
  const head = await store.head(key);
  expect(head?.size).toBe(result.size);
  expect(await store.sha256(key)).toBe(result.sha256);
  const marker = `${f.name}-ARCHIVED-TO-GLOBUS.txt`;
  expect(await fs.readdir(f.abs)).toEqual([marker]);
  const text = await fs.readFile(path.join(f.abs, marker), 'utf8');
  expect(text).toContain(`Archive name: ${f.name}.tar.7z`);
  expect(text).toContain(`Globus path: /${key}`);
  expect(text).toContain(`Open it by hand: 7z x ${f.name}.tar.7z`);
  expect(text).toContain(`Job ID: ${job.id}`);
  expect(text).toContain('User: alice');
  expect(text).toContain(`SHA-256: ${result.sha256}`);
  expect(await exists(jobDir('temp', job.id))).toBe(false);
  expect(await exists(jobDir('archives', job.id))).toBe(false);
  expect(done.progressPercent).toBe(100);
  const lines = await completedLogs(job.id);
  expect(lines.filter((l) => l === 'INFO Completed')).toHaveLength(1);
  expect(lines.join('\n')).toMatch(
    /Copying[\s\S]*Compressing with 7z[\s\S]*Testing the archive[\s\S]*Uploading[\s\S]*Verified[\s\S]*Source emptied/,
  );
  // The archive really holds the folder.
  const restored = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-x-'));
  const body = await store.get(key);
  const archiveCopy = path.join(restored, 'a.7z');
  await fs.writeFile(archiveCopy, body);
  const { execFileSync } = await import('node:child_process');
  execFileSync('7z', ['x', '-y', `-o${restored}`, archiveCopy], { stdio: 'ignore' });
  expect(await fs.readFile(path.join(restored, f.name, 'sub/b.txt'), 'utf8')).toBe('hello');
  await fs.rm(restored, { recursive: true, force: true });
});

test.each([
  ['checksum', (buf: Buffer) => Buffer.from(buf.map((b, i) => (i === 100 ? b ^ 0xff : b)))],
  ['size', (buf: Buffer) => Buffer.concat([buf, Buffer.from('x')])],
])(
  '%s mismatch after upload fails the job, leaves the source intact; retry resumes at upload and completes',
  async (_what, tamper) => {
    const f = await makeFolder();
    const before = await snapshotTree(f.abs);
    let tampered = 0;
    await startWorkers({
      upload: {
        async afterUpload({ key, store: s }) {
          if (tampered++ > 0) return;
          const chunks: Buffer[] = [];
          for await (const c of await s.get(key)) chunks.push(c as Buffer);
          // Write behind the driver's back (no declared checksum), like a corrupting remote.
          await s.put(key, tamper(Buffer.concat(chunks)));
        },
      },
    });
    const job = await enqueueFolderJob(f.rel, 'bob');
    const failed = await terminal(job.id);
    expect(failed.status).toBe('failed');
    expect(failed.errorCode).toBe('UPLOAD_VERIFY_FAILED');
    expect(await snapshotTree(f.abs)).toEqual(before);
    expect(await exists(path.join(jobDir('failed', job.id), 'error.log'))).toBe(true);
    expect(await exists(path.join(jobDir('failed', job.id), `${f.name}.tar.7z`))).toBe(true);

    const retried = await retryOperation(deps, job.id);
    expect(retried).toMatchObject({ status: 'queued', stage: 'uploading', queue: 'upload-verify' });
    const done = await terminal(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempt).toBe(1);
    expect(await fs.readdir(f.abs)).toEqual([`${f.name}-ARCHIVED-TO-GLOBUS.txt`]);
    expect(await exists(jobDir('failed', job.id))).toBe(false);
  },
);

test('a file added to the source while it is archived: the verified archive stays, the source is not deleted (SOURCE_CHANGED)', async () => {
  const f = await makeFolder();
  await startWorkers({
    archive: {
      async afterStep(step) {
        if (step === 'compressed')
          await fs.writeFile(path.join(f.abs, 'sub', 'late-render.mp4'), 'frames rendered after the copy');
      },
    },
  });
  const before = { ...(await snapshotTree(f.abs)) };
  const job = await enqueueFolderJob(f.rel, 'carol');
  const failed = await terminal(job.id);
  expect(failed).toMatchObject({ status: 'failed', errorCode: 'SOURCE_CHANGED' });
  expect(failed.error).toContain('sub/late-render.mp4');
  expect(failed.error).toMatch(/source was not deleted/);
  // everything is still there, the late file included, and no marker was written
  expect(await snapshotTree(f.abs)).toMatchObject(before);
  expect(await fs.readFile(path.join(f.abs, 'sub', 'late-render.mp4'), 'utf8')).toBe(
    'frames rendered after the copy',
  );
  expect((await fs.readdir(f.abs)).sort()).toEqual(['a.mp4', 'sub']);
  // the archive of what was copied is kept (bucket and failed/)
  expect(await store.head(`Production/2024/${f.name}.tar.7z`)).not.toBeNull();
  expect(await exists(path.join(jobDir('failed', job.id), `${f.name}.tar.7z`))).toBe(true);
});

test('bucket down during the upload stage: retried with the configured delay, then succeeds', async () => {
  const f = await makeFolder();
  await s3.stop();
  try {
    await startWorkers();
    const job = await enqueueFolderJob(f.rel, 'carol');
    await waitFor(async () => (await logs(job.id)).some((l) => /Attempt 2 of \d+ failed/.test(l)), 30000);
    expect((await fs.readdir(f.abs)).sort()).toEqual(['a.mp4', 'sub']);
  } finally {
    await s3.restart();
  }
  const id = (await world.prisma.operation.findFirstOrThrow({ where: { scopeId: f.rel } })).id;
  const done = await terminal(id);
  expect(done.status).toBe('succeeded');
  expect(done.attempt).toBeGreaterThan(2);
  expect(await store.head(`Production/2024/${f.name}.tar.7z`)).not.toBeNull();
});

describe('cancel leaves the source intact and cleans the work files', () => {
  const pause = (stageName: string) => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    return { gate, release, stageName };
  };

  test.each(['copied', 'compressed', 'tested', 'uploaded'] as const)('cancel after %s', async (point) => {
    const f = await makeFolder();
    const before = await snapshotTree(f.abs);
    const p = pause(point);
    let reached = false;
    await startWorkers({
      archive: {
        async afterStep(step) {
          if (step === point) {
            reached = true;
            await p.gate;
          }
        },
      },
      upload: {
        async afterUpload() {
          if (point === 'uploaded') {
            reached = true;
            await p.gate;
          }
        },
      },
    });
    const job = await enqueueFolderJob(f.rel, 'dave');
    await waitFor(() => reached);
    await requestCancel(deps, job.id);
    await new Promise((r) => setTimeout(r, 700)); // let the worker's cancel poll see it
    p.release();
    const done = await terminal(job.id);
    expect(done.status).toBe('cancelled');
    expect(await snapshotTree(f.abs)).toEqual(before);
    expect(await exists(jobDir('temp', job.id))).toBe(false);
    expect(await exists(jobDir('archives', job.id))).toBe(false);
  });

  test('cancel while 7z is compressing kills it', async () => {
    const f = await makeFolder({ 'a.bin': randomBytes(24 << 20), 'b.bin': randomBytes(24 << 20) });
    const before = await snapshotTree(f.abs);
    await startWorkers();
    const job = await enqueueFolderJob(f.rel, 'erin');
    await waitFor(
      async () => ['compressing', 'verifying', 'uploading'].includes((await op(job.id)).stage ?? ''),
      30000,
      10,
    );
    await requestCancel(deps, job.id);
    const done = await terminal(job.id);
    expect(done.status).toBe('cancelled');
    expect(await snapshotTree(f.abs)).toEqual(before);
    expect(await exists(jobDir('temp', job.id))).toBe(false);
    expect(await exists(jobDir('archives', job.id))).toBe(false);
  });

  test('cancel of a job waiting in the queue removes it at once', async () => {
    const f = await makeFolder();
    const job = await enqueueFolderJob(f.rel, 'frank');
    await requestCancel(deps, job.id);
    expect((await op(job.id)).status).toBe('cancelled');
  });
});

test('restart of both services mid-job: each interrupted stage is redone cleanly and the job completes once', async () => {
  const f = await makeFolder();
  let copiedOnce = false;
  let uploadedOnce = false;
  const first = await startWorkers({
    archive: {
      async afterStep(step) {
        if (step === 'copied' && !copiedOnce) {
          copiedOnce = true;
          await new Promise((r) => setTimeout(r, 600));
        }
      },
    },
    only: 'archive',
  });
  const job = await enqueueFolderJob(f.rel, 'gina');
  await waitFor(() => copiedOnce);
  await stopWorkers(first); // releases the job (ShutdownError) mid-stage
  expect((await op(job.id)).status).toBe('queued');
  const second = await startWorkers({
    upload: {
      async afterUpload() {
        if (!uploadedOnce) {
          uploadedOnce = true;
          await new Promise((r) => setTimeout(r, 600));
        }
      },
    },
  });
  await waitFor(() => uploadedOnce, 30000);
  await stopWorkers(second);
  expect(await fs.readdir(f.abs)).not.toContain(`${f.name}-ARCHIVED-TO-GLOBUS.txt`);
  await startWorkers();
  const done = await terminal(job.id);
  expect(done.status).toBe('succeeded');
  const lines = await completedLogs(job.id);
  expect(lines.filter((l) => l === 'INFO Completed')).toHaveLength(1);
  expect(lines.filter((l) => /released to the queue/.test(l)).length).toBeGreaterThanOrEqual(2);
  expect(await fs.readdir(f.abs)).toEqual([`${f.name}-ARCHIVED-TO-GLOBUS.txt`]);
  expect(await exists(jobDir('temp', job.id))).toBe(false);
});

test('disk-space gate keeps the job queued ("Waiting for disk space") without using attempts', async () => {
  const f = await makeFolder();
  const before = await snapshotTree(f.abs);
  const tight = { ...world.config, folders: { ...world.config.folders, minFreeSpaceGb: 1e9 } };
  const gated = await startWorkers({ config: tight, only: 'archive' });
  const job = await enqueueFolderJob(f.rel, 'hank');
  await waitFor(async () => (await logs(job.id)).filter((l) => /Waiting for disk space/.test(l)).length >= 2);
  // The job is re-checked every 0.2 s: between two checks it is queued (read it then, not at the
  // instant a check has just logged and not yet put it back).
  const waiting = await waitFor(async () => {
    const o = await op(job.id);
    return o.status === 'queued' ? o : null;
  });
  expect(waiting.currentOperation).toBe('Waiting for disk space');
  expect(await snapshotTree(f.abs)).toEqual(before);
  await stopWorkers(gated);
  await startWorkers();
  const done = await terminal(job.id);
  expect(done.status).toBe('succeeded');
  expect(done.attempt).toBe(1);
});

test('a folder that vanished fails at once (permanent), nothing is retried', async () => {
  const f = await makeFolder();
  const job = await enqueueFolderJob(f.rel, 'ivy');
  await fs.rm(f.abs, { recursive: true });
  await startWorkers({ only: 'archive' });
  const done = await terminal(job.id);
  expect(done.status).toBe('failed');
  expect(done.errorCode).toBe('FOLDER_NOT_FOUND');
});
