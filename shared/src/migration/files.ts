import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { asyncRunFiles, type RunFiles } from './run-files';

/** Writes `data` to `file` atomically: a temp file beside it, fsync, rename, fsync of the folder. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const mode = (await fs.stat(file).catch(() => null))?.mode;
  const fh = await fs.open(tmp, 'w', mode === undefined ? 0o644 : mode & 0o7777);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  const dir = await fs.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Names of the run's top-level `*.nodb` files (regular files only), sorted. */
export async function topLevelNodbFiles(runDir: string): Promise<string[]> {
  return topLevelNodbFilesFrom(asyncRunFiles(runDir));
}

/** topLevelNodbFiles through a run reader (its memoized top-level listing). */
export async function topLevelNodbFilesFrom(files: RunFiles): Promise<string[]> {
  return (await files.list(''))
    .filter((e) => e.isFile() && e.name.endsWith('.nodb'))
    .map((e) => e.name)
    .sort();
}

export async function readJsonFile(file: string): Promise<unknown> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
}

export async function exists(file: string): Promise<boolean> {
  return (await fs.lstat(file).catch(() => null)) !== null;
}
