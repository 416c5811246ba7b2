import fs from 'node:fs/promises';
import path from 'node:path';
import { topLevelNodbFiles, writeFileAtomic } from './files';

/** The version marker at a run's top level: one integer. */
export const VERSION_FILE = 'nodb.version';

export interface RunVersion {
  version: number;
  /** Whether `nodb.version` exists (a run without it is 0 with .nodb files, current without). */
  marker: boolean;
}

/**
 * The run's NoDb version: the integer in `nodb.version`; without the marker, `0` when the run has
 * `.nodb` files and `currentVersion` when it has none (a new run). A marker that is not one
 * integer counts as 0 (it must be migrated and re-stamped).
 */
export async function readRunVersion(runDir: string, currentVersion: number): Promise<RunVersion> {
  const text = await fs
    .readFile(path.join(runDir, VERSION_FILE), 'utf8')
    .catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
  if (text === null) {
    const nodb = await topLevelNodbFiles(runDir);
    return { version: nodb.length ? 0 : currentVersion, marker: false };
  }
  const t = text.trim();
  return { version: /^\d{1,9}$/.test(t) ? Number(t) : 0, marker: true };
}

/** Stamps the run with `version` (temp file + fsync + rename). */
export async function writeRunVersion(runDir: string, version: number): Promise<void> {
  await writeFileAtomic(path.join(runDir, VERSION_FILE), `${version}\n`);
}
