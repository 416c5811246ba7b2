import fs from 'node:fs/promises';
import path from 'node:path';
import { createSnapshot } from './create';
import { DeflatePool } from './deflate-pool';
import { SharedRing } from './ring';
import { tempDir } from './test-fixtures';

describe('a run file that cannot be read during a snapshot', () => {
  afterEach(() => jest.restoreAllMocks());

  it('fails the snapshot naming the file, and leaves no archive, temp or spill file', async () => {
    const root = await tempDir();
    const runDir = path.join(root, 'run-gone');
    const outDir = path.join(root, 'out');
    await fs.mkdir(runDir, { recursive: true });
    await fs.mkdir(outDir);
    for (let i = 0; i < 50; i++) await fs.writeFile(path.join(runDir, `a${i}.txt`), `line ${i}\n`.repeat(50));
    const big = path.join(runDir, 'big.bin');
    await fs.writeFile(big, Buffer.alloc(3 << 20, 7));
    // The file is listed, then vanishes before it is opened (as when a job deletes it meanwhile).
    const realOpen = fs.open;
    jest.spyOn(fs, 'open').mockImplementation((async (p: string, ...rest: unknown[]) => {
      if (p === big)
        throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
      return (realOpen as (...a: unknown[]) => Promise<fs.FileHandle>)(p, ...rest);
    }) as typeof fs.open);

    await expect(createSnapshot({ runDir, outDir })).rejects.toMatchObject({
      code: 'ARCHIVE_SOURCE_CHANGED',
      message: expect.stringMatching(/^big\.bin disappeared while the snapshot was being written/),
    });
    expect(await fs.readdir(outDir)).toEqual([]);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('a small file missing when its worker reads it rejects its batch with the path and ENOENT', async () => {
    const root = await tempDir();
    const ring = new SharedRing(1 << 20);
    const pool = new DeflatePool(ring, 2, 0.95, 1);
    try {
      await fs.writeFile(path.join(root, 'here.txt'), 'here');
      const region = await ring.acquire(8);
      await expect(
        pool.files(
          [
            { path: path.join(root, 'here.txt'), size: 4 },
            { path: path.join(root, 'gone.txt'), size: 4 },
          ],
          region,
        ),
      ).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining('gone.txt') });
    } finally {
      await pool.close();
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
