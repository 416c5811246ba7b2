import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { copyTree } from './copy';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'arkive-copy-'));
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

test('copies small (kernel copy) and large (streamed) files with byte progress, modes, mtimes and links kept', async () => {
  const src = path.join(dir, 'src');
  await fs.mkdir(path.join(src, 'deep/er'), { recursive: true });
  const big = randomBytes(33 << 20);
  await fs.writeFile(path.join(src, 'deep/big.bin'), big);
  await fs.writeFile(path.join(src, 'deep/er/small.txt'), 'small');
  await fs.chmod(path.join(src, 'deep/er/small.txt'), 0o640);
  await fs.utimes(path.join(src, 'deep/er/small.txt'), new Date('2020-01-01'), new Date('2020-01-02'));
  await fs.symlink('../../../outside', path.join(src, 'deep/er/link'));
  const seen: number[] = [];
  const res = await copyTree(src, path.join(dir, 'dest'), { onProgress: (p) => seen.push(p.bytes) });
  expect(res).toEqual({ bytes: big.length + 5, files: 2, totalBytes: big.length + 5 });
  expect(seen.length).toBeGreaterThan(10); // streamed in 1 MiB chunks
  expect(seen[seen.length - 1]).toBe(big.length + 5);
  expect((await fs.readFile(path.join(dir, 'dest/deep/big.bin'))).equals(big)).toBe(true);
  const st = await fs.stat(path.join(dir, 'dest/deep/er/small.txt'));
  expect(st.mode & 0o777).toBe(0o640);
  expect(st.mtime.toISOString()).toBe('2020-01-02T00:00:00.000Z');
  expect(await fs.readlink(path.join(dir, 'dest/deep/er/link'))).toBe('../../../outside');
});

test('an aborted copy stops with the abort reason', async () => {
  const src = path.join(dir, 'src');
  await fs.mkdir(src);
  await fs.writeFile(path.join(src, 'big.bin'), Buffer.alloc(64 << 20));
  const ctrl = new AbortController();
  const err = new Error('stop');
  const p = copyTree(src, path.join(dir, 'dest'), {
    signal: ctrl.signal,
    onProgress: (x) => x.bytes > 4 << 20 && ctrl.abort(err),
  });
  await expect(p).rejects.toBe(err);
});
