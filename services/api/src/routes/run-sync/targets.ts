import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError, ConflictError, normalizeHostUrl, runLockStatus } from '@arkive/shared';
import type { AppDeps } from '../../deps';

/** RUNS_ROOT, or one of RUN_SYNC_EXTRA_ROOTS exactly; anything else is 400 TARGET_ROOT_NOT_ALLOWED. */
export function resolveTargetRoot(deps: AppDeps, requested: string | undefined): string {
  const allowed = [deps.config.runsRoot, ...deps.config.runSync.extraRoots];
  if (requested === undefined || requested === '') return deps.config.runsRoot;
  const resolved = path.isAbsolute(requested) ? path.resolve(requested) : null;
  if (!resolved || !allowed.includes(resolved))
    throw new AppError(
      'TARGET_ROOT_NOT_ALLOWED',
      `target_root must be RUNS_ROOT or one of RUN_SYNC_EXTRA_ROOTS (${allowed.join(', ')})`,
      400,
      { allowed },
    );
  return resolved;
}

export function requireHostUrl(raw: string, field: string): string {
  const url = normalizeHostUrl(raw);
  if (!url)
    throw new AppError(
      'INVALID_HOST',
      `${field} must be an http(s) base URL such as https://arkive.example.org`,
      400,
    );
  return url;
}

/**
 * The overwrite rules, checked here for a clear answer and again by the worker: an existing run
 * (its folder under the target root, or its row) needs overwrite; a locked one is refused always.
 */
export async function assertImportAllowed(
  deps: AppDeps,
  runid: string,
  targetRoot: string,
  overwrite: boolean,
): Promise<void> {
  const dir = path.join(targetRoot, runid);
  const st = await fs.lstat(dir).catch(() => null);
  const row = await deps.prisma.run.findUnique({ where: { id: runid }, select: { id: true } });
  if (!st && !row) return;
  if (st && !st.isDirectory())
    throw new ConflictError('RUN_PATH_NOT_DIRECTORY', `${dir} exists and is not a directory`);
  if (!overwrite)
    throw new ConflictError(
      'RUN_EXISTS',
      `Run ${runid} already exists here; send overwrite: true to replace it (its content is kept as a pre-restore snapshot)`,
    );
  if (st) {
    const lock = await runLockStatus(dir, deps.redis, deps.config.redisPrefix, runid);
    if (lock.locked)
      throw new ConflictError('RUN_LOCKED', `Run ${runid} is locked; it cannot be replaced now`, {
        lockFiles: lock.lockFiles,
        redisLocks: lock.redisLocks,
      });
  }
}
