import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createSnapshot } from './create';
import { restoreArchive } from './restore';
import { tempDir } from './test-fixtures';

/** An Int16 random walk: compressible, and drifting enough that the sample picks small deflate blocks. */
function walk(n: number): Buffer {
  const a = new Int16Array(n / 2);
  let v = 0;
  for (let i = 0; i < a.length; i++) {
    v += (Math.floor(Math.random() * 8) - 3) | 0;
    if (v > 30000 || v < -30000) v = 0;
    a[i] = v;
  }
  return Buffer.from(a.buffer);
}

describe('a large file whose content changes kind after the sample', () => {
  it('deflated chunks of incompressible data fit their region and restore byte-identical', async () => {
    const root = await tempDir();
    const runDir = path.join(root, 'run');
    await fs.mkdir(runDir);
    // the first MiB decides the file's encoding (deflate with small blocks); the rest is random
    const parts = [walk(1 << 20), randomBytes(3 << 20), walk(1 << 20), randomBytes((1 << 20) + 12345)];
    const data = Buffer.concat(parts);
    await fs.writeFile(path.join(runDir, 'mixed.bin'), data);
    await fs.writeFile(
      path.join(runDir, 'random-first.bin'),
      Buffer.concat([randomBytes(2 << 20), walk(2 << 20)]),
    );
    const r = await createSnapshot({ runDir, outDir: path.join(root, 'out'), name: 'mixed.zip' });
    // incompressible chunks cost at most a little framing over their size
    expect(r.size).toBeLessThan(data.length + (4 << 20) + (1 << 20));
    execFileSync('unzip', ['-tq', r.path]); // any inflater reads the concatenated chunks
    const target = path.join(root, 'restored');
    await fs.mkdir(target);
    await restoreArchive({ runDir: target, archivePath: r.path, preRestoreSnapshot: false });
    expect((await fs.readFile(path.join(target, 'mixed.bin'))).equals(data)).toBe(true);
    await fs.rm(root, { recursive: true, force: true });
  }, 60_000);
});
