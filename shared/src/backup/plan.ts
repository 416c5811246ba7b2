import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ARCHIVES_DIR } from '../runs';
import type { TreeEntry } from './snapshots';

export interface RestorePlan {
  added: string[];
  replaced: string[];
  removed: string[];
  unchanged: number;
  /** bytes the restore writes (added and replaced files) */
  bytes: number;
  /** files (not folders) the restore writes */
  files: number;
}

interface LocalEntry {
  type: TreeEntry['type'];
  size: number;
  mode: number;
  mtimeMs: number;
}

/** Drops paths inside another chosen path (restoring `a` restores `a/b`). */
export function normalizePaths(paths: string[]): string[] {
  const sorted = [...new Set(paths)].sort();
  return sorted.filter((p) => !sorted.some((q) => q !== p && p.startsWith(`${q}/`)));
}

const within = (p: string, scope: string[] | undefined) =>
  !scope || scope.some((s) => p === s || p.startsWith(`${s}/`));

const LSTAT_SLICE = 512;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The run's entries (without archives/) under `scope`. Synchronous lstat in slices of 512 with a turn
 * of the event loop after each (as archive/walk.ts's lstatAll): from the page cache a promise lstat
 * costs several times a synchronous one, and the awaited one-at-a-time walk of a 20k-file tree took
 * 1.0–1.4 s on the build machine (under load); an entry that vanished meanwhile is skipped.
 */
async function walkRun(runDir: string, scope: string[] | undefined): Promise<Map<string, LocalEntry>> {
  const out = new Map<string, LocalEntry>();
  let sinceYield = 0;
  async function walk(dir: string, rel: string) {
    const names = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const d of names) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (!rel && d.name === ARCHIVES_DIR) continue;
      if (++sinceYield >= LSTAT_SLICE) {
        sinceYield = 0;
        await yieldToLoop();
      }
      let st: fsSync.Stats | undefined;
      try {
        st = fsSync.lstatSync(path.join(dir, d.name), { throwIfNoEntry: false });
      } catch {
        st = undefined; // (replaced by a file meanwhile, ENOTDIR; as the walk always did: skipped)
      }
      if (!st) continue;
      const type = st.isDirectory()
        ? 'dir'
        : st.isFile()
          ? 'file'
          : st.isSymbolicLink()
            ? 'symlink'
            : 'other';
      // a scope's ancestors are walked through but not part of the plan
      if (within(r, scope))
        out.set(r, { type, size: st.isFile() ? st.size : 0, mode: st.mode & 0o7777, mtimeMs: st.mtimeMs });
      if (type === 'dir' && (within(r, scope) || scope?.some((s) => s.startsWith(`${r}/`))))
        await walk(path.join(dir, d.name), r);
    }
  }
  await walk(runDir, '');
  return out;
}

function differs(b: TreeEntry, l: LocalEntry): boolean {
  if (b.type !== l.type) return true;
  if (b.type === 'dir') return false;
  if (b.type === 'file' && (b.size !== l.size || b.mode !== l.mode)) return true;
  return Math.floor(l.mtimeMs) !== b.mtimeMs;
}

/**
 * What restoring `entries` (a snapshot's tree) into the run would do, under `scope` (chosen paths)
 * or for the whole run: entries added, replaced (type, size, mode or mtime differ) and removed.
 * Folders count as added or removed, never as replaced.
 */
export async function planRestoreFromTree(
  runDir: string,
  entries: TreeEntry[],
  scope?: string[],
): Promise<RestorePlan> {
  const local = await walkRun(runDir, scope);
  const plan: RestorePlan = { added: [], replaced: [], removed: [], unchanged: 0, bytes: 0, files: 0 };
  const inBackup = new Set<string>();
  for (const b of entries) {
    if (!within(b.path, scope) || b.path.split('/')[0] === ARCHIVES_DIR) continue;
    inBackup.add(b.path);
    const l = local.get(b.path);
    const writes = b.type === 'file' ? 1 : 0;
    if (!l) {
      plan.added.push(b.path);
      plan.files += writes;
      plan.bytes += b.size;
    } else if (differs(b, l)) {
      plan.replaced.push(b.path);
      plan.files += writes;
      plan.bytes += b.size;
    } else plan.unchanged++;
  }
  for (const p of local.keys()) if (!inBackup.has(p)) plan.removed.push(p);
  plan.added.sort();
  plan.replaced.sort();
  plan.removed.sort();
  return plan;
}

/**
 * The plan of a whole restore whose content restic already wrote into `staging`: the same as
 * planRestoreFromTree with the snapshot's tree (restic restores types, sizes, modes and mtimes), read
 * from the staging folder instead of a `restic ls` (one key derivation and a JSON line per entry
 * less). Also the files and bytes restored.
 */
export async function planRestoreFromStaging(
  runDir: string,
  staging: string,
): Promise<{ plan: RestorePlan; files: number; bytes: number }> {
  const restored = await walkRun(staging, undefined);
  const entries: TreeEntry[] = [];
  let files = 0;
  let bytes = 0;
  for (const [p, e] of restored) {
    if (e.type === 'file') {
      files++;
      bytes += e.size;
    }
    entries.push({
      path: p,
      name: path.basename(p),
      type: e.type,
      size: e.size,
      mode: e.mode,
      mtime: new Date(Math.floor(e.mtimeMs)).toISOString(),
      mtimeMs: Math.floor(e.mtimeMs),
    });
  }
  return { plan: await planRestoreFromTree(runDir, entries), files, bytes };
}
