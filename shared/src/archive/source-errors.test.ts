import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createSnapshot } from './create';
import { tempDir } from './test-fixtures';

describe('a file that disappears during a snapshot', () => {
  it('fails the snapshot naming the file, and leaves no archive or temp file', async () => {
    const root = await tempDir();
    const runDir = path.join(root, 'run-gone');
    const outDir = path.join(root, 'out');
    await fs.mkdir(path.join(runDir, 'z'), { recursive: true });
    await fs.mkdir(outDir);
    for (let i = 0; i < 1500; i++)
      await fs.writeFile(path.join(runDir, `a${i}.txt`), `line ${i}\n`.repeat(50));
    await fs.writeFile(path.join(runDir, 'z/last.txt'), 'soon gone');
    let removed = false;
    const attempt = createSnapshot({
      runDir,
      outDir,
      onProgress: (p) => {
        if (!removed && p.stage === 'compressing') {
          removed = true;
          rmSync(path.join(runDir, 'z/last.txt'));
        }
      },
    });
    await expect(attempt).rejects.toMatchObject({
      code: 'ARCHIVE_SOURCE_CHANGED',
      message: expect.stringMatching(/^z\/last\.txt disappeared while the snapshot was being written/),
    });
    expect(removed).toBe(true);
    expect(await fs.readdir(outDir)).toEqual([]);
    await fs.rm(root, { recursive: true, force: true });
  });
});
