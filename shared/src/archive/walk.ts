import fs from 'node:fs/promises';
import path from 'node:path';
import { ARCHIVES_DIR } from '../runs';

export interface WalkEntry {
  /** posix path relative to the run, no trailing slash */
  rel: string;
  abs: string;
  type: 'file' | 'dir' | 'symlink';
  size: number;
  /** permission bits (incl. setuid/setgid/sticky) */
  mode: number;
  mtimeMs: number;
  target?: string;
}

export interface WalkResult {
  entries: WalkEntry[];
  /** symlinks pointing outside the run (absolute or escaping): not stored, reported */
  skipped: string[];
  totalBytes: number;
}

/** True when a link target stays inside the run when read relative to the link's own folder. */
export function linkStaysInside(rel: string, target: string): boolean {
  if (target === '' || path.posix.isAbsolute(target) || target.includes('\\') || target.includes('\0'))
    return false;
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(rel), target));
  return joined !== '..' && !joined.startsWith('../');
}

/**
 * Every directory, regular file and symlink under runDir, parents before children, names sorted,
 * skipping the run's top-level `archives/` (a nested `x/archives/` is ordinary data) and any
 * `excludeAbs` path. Other file types (sockets, fifos, devices) are skipped.
 */
export async function walkRun(
  runDir: string,
  excludeAbs: string[] = [],
  signal?: AbortSignal,
): Promise<WalkResult> {
  const entries: WalkEntry[] = [];
  const skipped: string[] = [];
  let totalBytes = 0;
  const excluded = new Set(excludeAbs.map((p) => path.resolve(p)));
  async function walk(dir: string, rel: string): Promise<void> {
    signal?.throwIfAborted();
    const names = (await fs.readdir(dir)).sort();
    const items = names
      .filter((n) => !(rel === '' && n === ARCHIVES_DIR))
      .map((n) => ({ n, abs: path.join(dir, n) }))
      .filter((x) => !excluded.has(x.abs));
    const stats = await Promise.all(items.map((x) => fs.lstat(x.abs)));
    for (let i = 0; i < items.length; i++) {
      const st = stats[i];
      const r = rel ? `${rel}/${items[i].n}` : items[i].n;
      const base = { rel: r, abs: items[i].abs, mode: st.mode & 0o7777, mtimeMs: st.mtimeMs };
      if (st.isDirectory()) {
        entries.push({ ...base, type: 'dir', size: 0 });
        await walk(items[i].abs, r);
      } else if (st.isFile()) {
        entries.push({ ...base, type: 'file', size: st.size });
        totalBytes += st.size;
      } else if (st.isSymbolicLink()) {
        const target = await fs.readlink(items[i].abs);
        if (linkStaysInside(r, target))
          entries.push({ ...base, type: 'symlink', size: Buffer.byteLength(target), target });
        else skipped.push(r);
      }
    }
  }
  await walk(runDir, '');
  return { entries, skipped, totalBytes };
}
