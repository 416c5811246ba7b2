import fs from 'node:fs/promises';
import path from 'node:path';
import { PermanentError, removeTree } from '@arkive/shared';

export interface Target {
  from: string;
  to: string;
}

/** DESTINATION_EXISTS (permanent) for the first target that exists, unless `force` replaces it. */
export async function checkTargets(
  destDir: string,
  targets: Target[],
  opts: { errorOnExist: boolean; force: boolean; runid: string },
): Promise<string[]> {
  const existing: string[] = [];
  for (const t of targets) {
    if (await fs.lstat(path.join(destDir, t.to)).catch(() => null)) existing.push(t.to);
  }
  if (existing.length && (opts.errorOnExist || !opts.force))
    throw new PermanentError(
      opts.errorOnExist
        ? `${existing.join(', ')} already exists in run ${opts.runid} (errorOnExist)`
        : `${existing.join(', ')} already exists in run ${opts.runid}; copy with force: true to replace it`,
      'DESTINATION_EXISTS',
      { paths: existing },
    );
  return existing;
}

/**
 * Renames each prepared entry (`staging/<from>`) to its target in the run. A replaced target is
 * first renamed into the staging folder (one step each way, same file system), removed after.
 */
export async function placeTargets(
  destDir: string,
  staging: string,
  targets: Target[],
  force: boolean,
): Promise<{ placed: string[]; replaced: string[] }> {
  const placed: string[] = [];
  const replaced: string[] = [];
  const aside = path.join(staging, '.replaced');
  for (const [i, t] of targets.entries()) {
    const to = path.join(destDir, t.to);
    await fs.mkdir(path.dirname(to), { recursive: true });
    if (await fs.lstat(to).catch(() => null)) {
      if (!force)
        throw new PermanentError(`${t.to} appeared meanwhile`, 'DESTINATION_EXISTS', { path: t.to });
      await fs.mkdir(aside, { recursive: true });
      await fs.rename(to, path.join(aside, String(i)));
      replaced.push(t.to);
    }
    await fs.rename(path.join(staging, t.from), to);
    placed.push(t.to);
  }
  await removeTree(aside);
  return { placed, replaced };
}
