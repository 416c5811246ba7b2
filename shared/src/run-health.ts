import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { mapLimit } from './archive/flow';
import { ARCHIVES_DIR, LOCK_FILE_SUFFIX, runLocksKey } from './runs';

/** A `*.nodb.lock` file of a run, with the time it was last written (when the lock was taken). */
export interface LockFileInfo {
  path: string;
  since: string | null;
}

export interface RedisLockInfo {
  field: string;
  /** The field's value (what the lock holder wrote: often a timestamp or a process id). */
  value: string;
}

/** What a walk of a run's tree (archives/ excluded) finds: its size, files and lock files. */
export interface RunTreeHealth {
  sizeBytes: number;
  fileCount: number;
  lockFiles: LockFileInfo[];
}

/** Size, file count and lock files of a run, in one walk; symbolic links count as files and are never followed. */
export async function runTreeHealth(runDir: string, limit = 16): Promise<RunTreeHealth> {
  let sizeBytes = 0;
  let fileCount = 0;
  const lockFiles: LockFileInfo[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const subdirs: [string, string][] = [];
    await mapLimit(entries, limit, async (e) => {
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!rel && e.name === ARCHIVES_DIR) return;
        subdirs.push([p, relPath]);
        return;
      }
      const st = await fs.lstat(p).catch(() => null);
      if (!st) return;
      fileCount++;
      if (st.isFile()) sizeBytes += st.size;
      if (e.name.endsWith(LOCK_FILE_SUFFIX)) lockFiles.push({ path: relPath, since: st.mtime.toISOString() });
    });
    await mapLimit(subdirs, 4, ([p, r]) => walk(p, r));
  };
  await walk(runDir, '');
  lockFiles.sort((a, b) => a.path.localeCompare(b.path));
  return { sizeBytes, fileCount, lockFiles };
}

/** The set fields of the run's Redis lock hash (`<runid>:locks`), as runLockStatus counts them. */
export async function runRedisLocks(redis: Redis, prefix: string, runid: string): Promise<RedisLockInfo[]> {
  const hash = await redis.hgetall(runLocksKey(prefix, runid));
  return Object.entries(hash)
    .filter(([, v]) => v !== '' && v !== '0' && v !== 'false')
    .map(([field, value]) => ({ field, value }))
    .sort((a, b) => a.field.localeCompare(b.field));
}

/** Bytes and files under `dir` (0 when it does not exist). */
export async function dirUsage(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const walk = async (d: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        await walk(p);
        continue;
      }
      const st = await fs.lstat(p).catch(() => null);
      if (!st) continue;
      files++;
      if (st.isFile()) bytes += st.size;
    }
  };
  await walk(dir);
  return { bytes, files };
}

/** Free bytes an unprivileged writer may use on the filesystem holding `dir`; null if it cannot be read. */
export async function freeBytesUnder(dir: string): Promise<number | null> {
  try {
    const s = await fs.statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/** The regular files directly under the run's archives/ (name, size, mtime); empty when there is none. */
export async function listArchiveFiles(
  runDir: string,
): Promise<{ name: string; size: number; mtime: Date }[]> {
  const dir = path.join(runDir, ARCHIVES_DIR);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const out: { name: string; size: number; mtime: Date }[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const st = await fs.lstat(path.join(dir, name)).catch(() => null);
    if (st?.isFile()) out.push({ name, size: st.size, mtime: st.mtime });
  }
  return out;
}
