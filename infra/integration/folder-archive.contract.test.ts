import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { folderArchive } from '@arkive/shared';
import { describeServiceContract } from '@arkive/shared/test-support/service-contract';
import { contractProcessors } from './folder-contract-processors';

/** Every file under `dir`: relative path → SHA-256 (empty when the folder does not exist). */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else
        out[path.relative(dir, p)] = createHash('sha256')
          .update(await fs.readFile(p))
          .digest('hex');
    }
  };
  await walk(dir);
  return out;
}

let n = 0;

/**
 * The folder-archive kind (copy → 7z → test on `compress-folder`, upload → verify → empty the
 * source on `upload-verify`) through the job-contract suite, on the local bucket driver.
 */
describeServiceContract({
  name: 'cold-storage folder archive',
  kind: folderArchive,
  processors: () => contractProcessors(),
  workerModule: path.join(__dirname, 'folder-contract-processors.ts'),
  env: { MIN_FREE_SPACE_GB: '0', RETRY_DELAY_SECONDS: '0.2' },
  async setup(world) {
    const rel = `Contract/2026/Folder_${++n}_${randomBytes(3).toString('hex')}`;
    const abs = path.join(world.config.sourceRoot, rel);
    await fs.mkdir(path.join(abs, 'sub'), { recursive: true });
    await fs.writeFile(path.join(abs, 'clip.mov'), randomBytes(64 * 1024));
    await fs.writeFile(path.join(abs, 'sub', 'notes.txt'), 'take 3\n'.repeat(100));
    return { payload: { folder: rel } };
  },
  // The source folder and the work space: a cancel leaves the first as it was and the second empty.
  async capture(world, payload) {
    return {
      source: await tree(path.join(world.config.sourceRoot, payload.folder)),
      temp: await tree(path.join(world.config.storageRoot, 'temp')),
      archives: await tree(path.join(world.config.storageRoot, 'archives')),
    };
  },
  async expectComplete({ world, payload, result }) {
    const name = payload.folder.split('/').pop() as string;
    expect(await fs.readdir(path.join(world.config.sourceRoot, payload.folder))).toEqual([
      `${name}-ARCHIVED-TO-GLOBUS.txt`,
    ]);
    expect(result.key).toBe(`${payload.folder}.tar.7z`);
  },
});
