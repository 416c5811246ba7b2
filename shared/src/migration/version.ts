import path from 'node:path';
import { topLevelNodbFilesFrom, writeFileAtomic } from './files';
import { asyncRunFiles, type RunFiles } from './run-files';

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
  return readRunVersionFrom(asyncRunFiles(runDir), currentVersion);
}

/** readRunVersion through a run reader (the top-level listing it reads is shared with the traits). */
export async function readRunVersionFrom(files: RunFiles, currentVersion: number): Promise<RunVersion> {
  // The listing says whether the marker exists: no failed open for the many runs without one.
  const text = !(await files.hasTop(VERSION_FILE))
    ? null
    : await files.readText(VERSION_FILE).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
  if (text === null) {
    const nodb = await topLevelNodbFilesFrom(files);
    return { version: nodb.length ? 0 : currentVersion, marker: false };
  }
  const t = text.trim();
  return { version: /^\d{1,9}$/.test(t) ? Number(t) : 0, marker: true };
}

/** Stamps the run with `version` (temp file + fsync + rename). */
export async function writeRunVersion(runDir: string, version: number): Promise<void> {
  await writeFileAtomic(path.join(runDir, VERSION_FILE), `${version}\n`);
}
