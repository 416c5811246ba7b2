import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from '../archive/flow';

/** Size, file count and newest mtime of a tree; symbolic links are counted as entries, never followed. */
export async function treeStats(
  dir: string,
  limit = 16,
): Promise<{ sizeBytes: number; fileCount: number; modifiedMs: number }> {
  let sizeBytes = 0;
  let fileCount = 0;
  let modifiedMs = 0;
  const walk = async (d: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    const subdirs: string[] = [];
    await mapLimit(entries, limit, async (e) => {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        subdirs.push(p);
        return;
      }
      const st = await fs.lstat(p).catch(() => null);
      if (!st) return;
      fileCount++;
      if (st.isFile()) sizeBytes += st.size;
      if (st.mtimeMs > modifiedMs) modifiedMs = st.mtimeMs;
    });
    await mapLimit(subdirs, 4, walk);
  };
  const st = await fs.lstat(dir);
  modifiedMs = st.mtimeMs;
  await walk(dir);
  return { sizeBytes, fileCount, modifiedMs };
}
