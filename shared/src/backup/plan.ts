import fsSync from 'node:fs';
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
    let names: fsSync.Dirent[];
    try {
      names = fsSync.readdirSync(dir, { withFileTypes: true });
    } catch {
      names = [];
    }
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

function differs(b: LocalEntry, l: LocalEntry): boolean {
  if (b.type !== l.type) return true;
  if (b.type === 'dir') return false;
  if (b.type === 'file' && (b.size !== l.size || b.mode !== l.mode)) return true;
  return Math.floor(l.mtimeMs) !== Math.floor(b.mtimeMs);
}

/** The plan of restoring `backup` (path → entry, the backup's tree) into a run whose entries are `local`. */
function planFrom(
  local: Map<string, LocalEntry>,
  backup: Iterable<[string, LocalEntry]>,
  scope: string[] | undefined,
): RestorePlan {
  const plan: RestorePlan = { added: [], replaced: [], removed: [], unchanged: 0, bytes: 0, files: 0 };
  const inBackup = new Set<string>();
  for (const [p, b] of backup) {
    if (!within(p, scope) || p.split('/')[0] === ARCHIVES_DIR) continue;
    inBackup.add(p);
    const l = local.get(p);
    const writes = b.type === 'file' ? 1 : 0;
    if (!l) {
      plan.added.push(p);
      plan.files += writes;
      plan.bytes += b.size;
    } else if (differs(b, l)) {
      plan.replaced.push(p);
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
  return planFrom(
    local,
    entries.map((b): [string, LocalEntry] => [b.path, b]),
    scope,
  );
}

/**
 * The run's current entries for planRestoreFromStaging, walked ahead (while restic restores: the
 * run cannot change unnoticed meanwhile, the swap refuses a run that changed since the restore began).
 */
export function walkRunAhead(runDir: string): Promise<Map<string, LocalEntry>> {
  return walkRun(runDir, undefined);
}

/**
 * The plan of a whole restore whose content restic already wrote into `staging`: the same as
 * planRestoreFromTree with the snapshot's tree (restic restores types, sizes, modes and mtimes), read
 * from the staging folder instead of a `restic ls` (one key derivation and a JSON line per entry
 * less), compared entry by entry without building a tree listing. Also the files and bytes restored.
 * `local`: the run's entries from walkRunAhead, else walked now.
 */
export async function planRestoreFromStaging(
  runDir: string,
  staging: string,
  local?: Promise<Map<string, LocalEntry>>,
): Promise<{ plan: RestorePlan; files: number; bytes: number }> {
  const restored = await walkRun(staging, undefined);
  let files = 0;
  let bytes = 0;
  for (const e of restored.values())
    if (e.type === 'file') {
      files++;
      bytes += e.size;
    }
  return { plan: planFrom(await (local ?? walkRun(runDir, undefined)), restored, undefined), files, bytes };
}
