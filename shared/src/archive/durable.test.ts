import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { syncTree } from './durable';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-durable-'));
  await fs.mkdir(path.join(dir, 'a', 'b'), { recursive: true });
  await fs.writeFile(path.join(dir, 'a', 'b', 'f.bin'), Buffer.alloc(70_000, 7));
  await fs.writeFile(path.join(dir, 'top.txt'), 'x');
  await fs.symlink('top.txt', path.join(dir, 'link'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

test('one syncfs of the tree’s file system through coreutils sync', async () => {
  await expect(syncTree(dir)).resolves.toBe('syncfs');
});

test('without the sync command, every file and folder is fsynced (symlinks skipped)', async () => {
  await expect(syncTree(dir, { syncCommand: '/nonexistent/sync' })).resolves.toBe('fsync');
});

test('a tree that cannot be read is an error, not a silent success', async () => {
  await expect(
    syncTree(path.join(dir, 'missing'), { syncCommand: '/nonexistent/sync' }),
  ).rejects.toMatchObject({
    code: 'ENOENT',
  });
});
