import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  createBlobStore,
  folderObjectKey,
  folderRetrieve,
  markerFileName,
  parseFolderPath,
  sha256File,
  type FolderRetrievePayload,
} from '@arkive/shared';
import { describeServiceContract } from '@arkive/shared/test-support/service-contract';
import { sevenZipAdd } from '../folder-archive/seven-zip';
import { folderRetrieveProcessor } from './processor';

/** Every entry under `dir`: relative path → SHA-256 of a file, `dir` for a directory. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
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

let n = 0;
const originals = new Map<string, Record<string, string>>();

/**
 * The folder-retrieve kind through the job-contract suite: each target is a folder in cold storage
 * (its 7z in the local bucket, the source emptied down to the marker), as a folder-archive job
 * leaves it. A cancel leaves the folder archived (marker only); success brings back every byte.
 */
describeServiceContract<FolderRetrievePayload, unknown>({
  name: 'restore from cold storage',
  kind: folderRetrieve,
  processors: () => [folderRetrieveProcessor()],
  workerModule: path.join(__dirname, 'contract-processors.ts'),
  async setup(world) {
    const rel = `Cold/2026/Retrieve_${++n}_${randomBytes(3).toString('hex')}`;
    const ref = parseFolderPath(world.config.sourceRoot, rel);
    await fs.mkdir(path.join(ref.abs, 'sub', 'empty'), { recursive: true });
    await fs.writeFile(path.join(ref.abs, 'clip.mov'), randomBytes(96 * 1024));
    await fs.writeFile(path.join(ref.abs, 'sub', 'notes.txt'), 'take 3\n'.repeat(100));
    originals.set(rel, await tree(ref.abs));
    const work = path.join(world.config.storageRoot, 'setup', ref.name);
    await fs.mkdir(work, { recursive: true });
    const archive = path.join(work, `${ref.name}.tar.7z`);
    await sevenZipAdd(archive, path.dirname(ref.abs), ref.name);
    const store = createBlobStore(world.config);
    const key = folderObjectKey(ref);
    const size = (await fs.stat(archive)).size;
    const sha256 = await sha256File(archive);
    await store.put(key, await fs.readFile(archive), { size, sha256 });
    await fs.rm(work, { recursive: true, force: true });
    for (const name of await fs.readdir(ref.abs)) await fs.rm(path.join(ref.abs, name), { recursive: true });
    const marker = markerFileName(world.config.folders.markerTemplate, ref.name);
    await fs.writeFile(path.join(ref.abs, marker), `Object key: ${key}\n`);
    return { payload: { folder: rel, bucket: store.describe().bucket, key, size, sha256 } };
  },
  // The folder's level-2 parent (source, staging, set-aside) and the download space.
  async capture(world, payload) {
    const parent = path.dirname(path.join(world.config.sourceRoot, payload.folder));
    return {
      parent: await tree(parent),
      downloads: await tree(path.join(world.config.storageRoot, 'retrieve')),
    };
  },
  async expectComplete({ world, payload }) {
    const abs = path.join(world.config.sourceRoot, payload.folder);
    expect(await tree(abs)).toEqual(originals.get(payload.folder));
    const parent = await fs.readdir(path.dirname(abs));
    expect(parent).toEqual([path.basename(abs)]);
    expect(await tree(path.join(world.config.storageRoot, 'retrieve'))).toEqual({});
    // The cold-storage object stays.
    expect(await createBlobStore(world.config).head(payload.key)).not.toBeNull();
  },
});
