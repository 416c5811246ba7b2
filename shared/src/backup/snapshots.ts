import { runRestic, resticJson, type ResticRepo } from './restic';

export interface ResticSnapshot {
  id: string;
  short_id: string;
  time: string;
  tags?: string[];
  hostname: string;
  paths: string[];
}

/** One snapshot by id (full or short). */
export async function findSnapshot(
  repo: ResticRepo,
  id: string,
  signal?: AbortSignal,
): Promise<ResticSnapshot> {
  const list = await resticJson<ResticSnapshot[]>(repo, ['snapshots', id], signal);
  if (!list.length) throw new Error(`restic snapshot ${id} not found`);
  return list[0];
}

/** Snapshots with every one of `tags` (e.g. a run's), oldest first. */
export async function listSnapshots(repo: ResticRepo, tags: string[], signal?: AbortSignal) {
  return resticJson<ResticSnapshot[]>(
    repo,
    ['snapshots', ...(tags.length ? ['--tag', tags.join(',')] : [])],
    signal,
  );
}

/** An entry of a snapshot, with its path relative to the run's root ('' never appears). */
export interface TreeEntry {
  path: string;
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  /** permission bits (0o7777) */
  mode: number;
  mtime: string;
  mtimeMs: number;
}

const S_BITS = 0o777;
// Go's os.FileMode: setuid 1<<23, setgid 1<<22, sticky 1<<20
function unixMode(goMode: number): number {
  let m = goMode & S_BITS;
  if (goMode & (1 << 23)) m |= 0o4000;
  if (goMode & (1 << 22)) m |= 0o2000;
  if (goMode & (1 << 20)) m |= 0o1000;
  return m;
}

function toEntry(n: Record<string, unknown>): TreeEntry | null {
  if (n.struct_type !== 'node' || typeof n.path !== 'string') return null;
  const type = n.type === 'file' || n.type === 'dir' || n.type === 'symlink' ? n.type : 'other';
  const mtime = String(n.mtime ?? '');
  return {
    path: n.path.replace(/^\/+/, ''),
    name: String(n.name ?? ''),
    type,
    size: typeof n.size === 'number' ? n.size : 0,
    mode: unixMode(typeof n.mode === 'number' ? n.mode : 0),
    mtime,
    mtimeMs: Date.parse(mtime),
  };
}

/** Every entry of a snapshot (`restic ls --json`, recursive). */
export async function listTree(
  repo: ResticRepo,
  snapshotId: string,
  signal?: AbortSignal,
): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  await runRestic(repo, ['ls', '--json', snapshotId], {
    signal,
    onJson(m) {
      const e = toEntry(m);
      if (e) out.push(e);
    },
  });
  return out;
}

/** One directory level of a snapshot: the children of `dir` ('' = the root); null when `dir` is not a folder of it. */
export async function listLevel(
  repo: ResticRepo,
  snapshotId: string,
  dir: string,
  signal?: AbortSignal,
): Promise<TreeEntry[] | null> {
  const all: TreeEntry[] = [];
  await runRestic(repo, ['ls', '--json', snapshotId, `/${dir}`], {
    signal,
    onJson(m) {
      const e = toEntry(m);
      if (e) all.push(e);
    },
  });
  if (dir && all.find((e) => e.path === dir)?.type !== 'dir') return null;
  const prefix = dir ? `${dir}/` : '';
  return all.filter(
    (e) => e.path.startsWith(prefix) && !e.path.slice(prefix.length).includes('/') && e.path !== dir,
  );
}
