import { createHash } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConflictError } from '../errors';
import { listFolder } from './walk';

/**
 * A fingerprint of everything in a run except its top-level archives/: one SHA-256 over every
 * entry's path, type, size, mode, mtime, ctime and inode, in walk order. Constant memory, no
 * clock involved: two fingerprints differ when anything was created, removed, renamed, written
 * (ctime changes even when the writer restores the mtime) or had its mode changed in between.
 */
export interface RunState {
  digest: string;
  entries: number;
}

const SLICE = 512;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

type Visit = (rel: string, st: fsSync.Stats | null) => void;

export interface StateOptions {
  /** leave out the top-level archives/ (default true: a run; false for any other folder) */
  skipArchives?: boolean;
  /** top-level names to leave out (e.g. our own temp files in the folder) */
  ignoreTop?: (name: string) => boolean;
}

async function walkState(
  root: string,
  visit: Visit,
  signal?: AbortSignal,
  opts: StateOptions = {},
): Promise<void> {
  let sinceYield = 0;
  const none = new Set<string>();
  const skipArchives = opts.skipArchives ?? true;
  async function walk(dir: string, rel: string): Promise<void> {
    signal?.throwIfAborted();
    let items: Array<{ n: string; abs: string }>;
    try {
      items = skipArchives
        ? await listFolder(dir, rel, none)
        : (await fs.readdir(dir)).sort().map((n) => ({ n, abs: path.join(dir, n) }));
      if (!rel && opts.ignoreTop) items = items.filter((x) => !opts.ignoreTop!(x.n));
    } catch (err) {
      visit(`${rel}/\0unreadable:${(err as NodeJS.ErrnoException).code ?? 'error'}`, null);
      return;
    }
    for (const { n, abs } of items) {
      if (++sinceYield === SLICE) {
        sinceYield = 0;
        await yieldToLoop();
      }
      const r = rel ? `${rel}/${n}` : n;
      let st: fsSync.Stats | null = null;
      try {
        st = fsSync.lstatSync(abs);
      } catch {
        // vanished between the listing and the lstat: recorded as such (the run is changing)
      }
      visit(r, st);
      if (st?.isDirectory()) await walk(abs, r);
    }
  }
  await walk(path.resolve(root), '');
}

const typeOf = (st: fsSync.Stats) =>
  st.isDirectory() ? 'd' : st.isFile() ? 'f' : st.isSymbolicLink() ? 'l' : 'o';

export async function runState(root: string, signal?: AbortSignal, opts?: StateOptions): Promise<RunState> {
  const h = createHash('sha256');
  let entries = 0;
  await walkState(
    root,
    (rel, st) => {
      entries++;
      h.update(
        st
          ? `${rel}\0${typeOf(st)}\0${st.size}\0${st.mode}\0${st.mtimeMs}\0${st.ctimeMs}\0${st.ino}\n`
          : `${rel}\0gone\n`,
      );
    },
    signal,
    opts,
  );
  return { digest: h.digest('hex'), entries };
}

/** Up to `max` entries whose status changed at or after `sinceMs` (what a person should look at). */
async function changedSince(root: string, sinceMs: number, opts?: StateOptions, max = 5): Promise<string[]> {
  const out: string[] = [];
  await walkState(
    root,
    (rel, st) => {
      if (out.length >= max || rel.includes('\0')) return;
      if (!st || st.ctimeMs >= sinceMs) out.push(st?.isDirectory() ? `${rel}/` : rel);
    },
    undefined,
    opts,
  );
  return out;
}

/**
 * null when `dir` still has the fingerprint `before` (taken at `startedMs`), else a description of
 * what changed for a message ("a/b.dat, c/ changed, appeared or lost an entry").
 */
export async function describeChanges(
  dir: string,
  before: RunState,
  startedMs: number,
  opts?: StateOptions,
): Promise<{ text: string; changed: string[] } | null> {
  const now = await runState(dir, undefined, opts);
  if (now.digest === before.digest) return null;
  // ctime is set by the kernel's coarse clock (and by the server on network file systems): look
  // a little before the start so that a change right after it is not missed.
  const changed = await changedSince(dir, startedMs - 2000, opts);
  const text = changed.length
    ? `${changed.join(', ')}${changed.length >= 5 ? ', …' : ''} changed, appeared or lost an entry`
    : 'its content changed';
  return { text, changed };
}

/**
 * ConflictError RUN_CHANGED unless `dir` (the run, or its content moved aside for the swap) still
 * has the fingerprint `before`, taken when the restore started at `startedMs`. Nothing has been
 * replaced when this throws; the message names what changed when the file system tells.
 */
export async function assertRunUnchanged(
  dir: string,
  runName: string,
  before: RunState,
  startedMs: number,
): Promise<void> {
  const d = await describeChanges(dir, before, startedMs);
  if (!d) return;
  const { text: what, changed } = d;
  throw new ConflictError(
    'RUN_CHANGED',
    `Run ${runName} changed while it was being restored (${what}); nothing was replaced and the run is as it is now. ` +
      'Stop whatever writes to the run (a program working in a run should hold a *.nodb.lock file there: restores refuse a locked run) and restore again',
    { changed },
  );
}
