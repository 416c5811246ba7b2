import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { folderArchive, jobDirs } from '@arkive/shared';
import { startWorkerWorld, type WorkerWorld } from '@arkive/shared/test-support/worker-world';
import { folderArchiveProcessor } from './processor';

let ww: WorkerWorld;
let empty: string;
beforeAll(async () => {
  ww = await startWorkerWorld(folderArchive.queue, [folderArchiveProcessor()]);
  empty = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-no-7z-'));
});
afterAll(async () => {
  await ww.close();
  await fs.rm(empty, { recursive: true, force: true });
});

test('without 7z the folder job fails at once (no retry, nothing copied) with the install command', async () => {
  const rel = 'Production/2024/Project_Alpha';
  const abs = path.join(ww.world.config.sourceRoot, rel);
  await fs.mkdir(abs, { recursive: true });
  await fs.writeFile(path.join(abs, 'clip.mp4'), 'x'.repeat(100));
  const saved = process.env.PATH;
  process.env.PATH = empty;
  let result: Awaited<ReturnType<WorkerWorld['runToEnd']>>;
  try {
    result = await ww.runToEnd(folderArchive, { folder: rel }, 'alice');
  } finally {
    process.env.PATH = saved;
  }
  expect(result.op).toMatchObject({
    status: 'failed',
    attempt: 1,
    errorCode: 'TOOL_MISSING',
    error: '7z is not installed (needed for cold-storage archiving): apt-get install -y p7zip-full',
  });
  expect(result.events.at(-1)?.type).toBe('EXCEPTION');
  const dirs = jobDirs(ww.world.config.storageRoot, result.operationId, 'Project_Alpha');
  await expect(fs.stat(dirs.tempFolder)).rejects.toThrow(/ENOENT/);
  expect(await fs.readdir(abs)).toEqual(['clip.mp4']);
});
