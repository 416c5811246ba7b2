import fs from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { isValidRunId } from './contracts/ids';
import { ConflictError, NotFoundError, ValidationError } from './errors';

export { RUN_ID_PATTERN, isValidRunId } from './contracts/ids';
/** The folder inside a run that holds its snapshots; never archived, never wiped by a restore. */
export const ARCHIVES_DIR = 'archives';
export const LOCK_FILE_SUFFIX = '.nodb.lock';

export function assertRunId(runid: string): string {
  if (!isValidRunId(runid)) {
    throw new ValidationError(
      `Invalid run id ${JSON.stringify(runid)}: use 1-128 letters, digits, '_', '.' or '-', starting with a letter or digit`,
      { runid },
    );
  }
  return runid;
}

export function runPath(runsRoot: string, runid: string): string {
  return path.join(runsRoot, assertRunId(runid));
}

export function runArchivesPath(runsRoot: string, runid: string): string {
  return path.join(runPath(runsRoot, runid), ARCHIVES_DIR);
}

export function runLocksKey(prefix: string, runid: string): string {
  return `${prefix}${runid}:locks`;
}

export async function runExists(runsRoot: string, runid: string): Promise<boolean> {
  try {
    return (await fs.stat(runPath(runsRoot, runid))).isDirectory();
  } catch {
    return false;
  }
}

/** `*.nodb.lock` files anywhere in the run except under archives/. */
export async function findLockFiles(runDir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string, rel: string): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!rel && entry.name === ARCHIVES_DIR) continue;
        await walk(path.join(dir, entry.name), relPath);
      } else if (entry.name.endsWith(LOCK_FILE_SUFFIX)) {
        found.push(relPath);
      }
    }
  }
  await walk(runDir, '');
  return found.sort();
}

export interface RunLockStatus {
  locked: boolean;
  lockFiles: string[];
  redisLocks: string[];
}

/** A run is locked while any lock file exists in it or any field of its Redis lock hash is set. */
export async function runLockStatus(
  runDir: string,
  redis?: Redis,
  prefix = '',
  runid?: string,
): Promise<RunLockStatus> {
  const lockFiles = await findLockFiles(runDir);
  let redisLocks: string[] = [];
  if (redis && runid) {
    const hash = await redis.hgetall(runLocksKey(prefix, runid));
    redisLocks = Object.entries(hash)
      .filter(([, v]) => v !== '' && v !== '0' && v !== 'false')
      .map(([k]) => k)
      .sort();
  }
  return { locked: lockFiles.length > 0 || redisLocks.length > 0, lockFiles, redisLocks };
}

/** The run's directory; NotFoundError RUN_NOT_FOUND unless it exists (an invalid id is a run that cannot exist). */
export async function requireRunDir(runsRoot: string, runid: string): Promise<string> {
  if (!isValidRunId(runid))
    throw new NotFoundError('RUN_NOT_FOUND', `Run ${JSON.stringify(runid)} not found`);
  if (!(await runExists(runsRoot, runid)))
    throw new NotFoundError('RUN_NOT_FOUND', `Run ${runid} does not exist`);
  return runPath(runsRoot, runid);
}

/** ConflictError RUN_LOCKED (409; never retried by workers) naming the lock files and Redis lock fields. */
export async function assertRunUnlocked(
  runDir: string,
  runid: string,
  redis: Redis,
  prefix: string,
): Promise<void> {
  const lock = await runLockStatus(runDir, redis, prefix, runid);
  if (!lock.locked) return;
  const parts = [
    lock.lockFiles.length ? `lock files: ${lock.lockFiles.join(', ')}` : '',
    lock.redisLocks.length ? `Redis locks: ${lock.redisLocks.join(', ')}` : '',
  ].filter(Boolean);
  throw new ConflictError(
    'RUN_LOCKED',
    `Run ${runid} is locked (${parts.join('; ')}); try again when it is released`,
    {
      lockFiles: lock.lockFiles,
      redisLocks: lock.redisLocks,
    },
  );
}

/** The run's directory for work that changes it: RUN_NOT_FOUND unless it exists, RUN_LOCKED while locked. */
export async function requireUnlockedRunDir(
  config: { runsRoot: string; redisPrefix: string },
  redis: Redis,
  runid: string,
): Promise<string> {
  const runDir = await requireRunDir(config.runsRoot, runid);
  await assertRunUnlocked(runDir, runid, redis, config.redisPrefix);
  return runDir;
}
