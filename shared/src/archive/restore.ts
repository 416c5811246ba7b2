import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants as C, chmodSync, mkdirSync, utimesSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CancelledError, ConflictError, PermanentError } from '../errors';
import { ARCHIVES_DIR, isValidRunId } from '../runs';
import { createSnapshot, syncDir } from './create';
import { syncTree } from './durable';
import { mapLimit, noop } from './flow';
import { BatchFailure, ExtractPool, StoppedError, extractPoolSize } from './extract-pool';
import { writeFully } from './file-io';
import { describeFsError } from './fs-errors';
import { assertRunUnchanged, runState } from './run-state';
import { OWNER_PATTERN, isOwnToken, ownerState, ownerToken } from './temp-owner';
import { collectGarbage } from './gc';
import { ZipReader, pooled } from './reader';
import { planRestore, type PlannedEntry } from './safety';
import type { ArchiveProgress, RestoreOptions, RestoreResult, SnapshotResult } from './types';
import { checkManifestEntry, dataEntries, loadManifest, toCancelled } from './verify';
import type { ParsedManifest } from './manifest';

/** A journal whose owner we cannot judge (another host or pid namespace) is left alone this long. */
const FOREIGN_JOURNAL_MS = 10 * 60 * 1000;

/**
 * The swap journal beside the run. `owner` and the staging folder's identity (version 2) let
 * recovery tell a live swap from a crashed one, and the staging folder from anything else that
 * may sit at the run's path.
 */
interface Journal {
  version?: 2;
  runDir: string;
  staging: string;
  old: string;
  owner?: string;
  stagingDev?: number;
  stagingIno?: number;
}

const journalPath = (runDir: string) =>
  path.join(path.dirname(runDir), `.${path.basename(runDir)}.restore-journal.json`);

/**
 * Names of a restore's temp folders beside the run: `.<runid>.restore-<owner>-<rand>` (staging)
 * and `.<runid>.old-<owner>-<rand>` (the replaced content during the swap). The suffix has no dot,
 * so the run id is exactly what precedes the last `.restore-`/`.old-`: run `vic` never matches
 * the folders of run `vic.restore-x`. Names from before the owner token (`-<12 hex>`) parse with
 * `owner: null`.
 */
const TEMP_NAME = new RegExp(`^\\.(.+)\\.(restore|old)-(${OWNER_PATTERN})-[0-9a-f]{8}$`);
const LEGACY_TEMP_NAME = /^\.(.+)\.(restore|old)-[0-9a-f]{12}$/;

export function parseRestoreTempName(
  name: string,
): { runid: string; role: 'restore' | 'old'; owner: string | null } | null {
  const m = TEMP_NAME.exec(name);
  if (m) return { runid: m[1], role: m[2] as 'restore' | 'old', owner: m[3] };
  const l = LEGACY_TEMP_NAME.exec(name);
  return l ? { runid: l[1], role: l[2] as 'restore' | 'old', owner: null } : null;
}

const tempName = (runDir: string, role: 'restore' | 'old', hostId: string) =>
  path.join(
    path.dirname(runDir),
    `.${path.basename(runDir)}.${role}-${ownerToken(hostId)}-${randomBytes(4).toString('hex')}`,
  );

/** Run folders this process is swapping right now (their journal is live, not a crash's). */
const swapping = new Set<string>();

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

/** The journal, after checking it describes this run's own temp folders (never any other path). */
function checkJournal(j: Journal, runDir: string, jp: string): Journal {
  const parent = path.dirname(runDir);
  const ours = (p: unknown, role: 'restore' | 'old') => {
    if (typeof p !== 'string' || path.dirname(p) !== parent) return false;
    const parsed = parseRestoreTempName(path.basename(p));
    return parsed?.runid === path.basename(runDir) && parsed.role === role;
  };
  if (j.runDir !== runDir || !ours(j.staging, 'restore') || !ours(j.old, 'old'))
    throw new PermanentError(
      `The restore journal ${jp} does not describe run ${path.basename(runDir)}'s own restore; it was left untouched. Inspect and remove it by hand`,
      'RESTORE_JOURNAL_INVALID',
    );
  return j;
}

/**
 * Finish or roll back a restore interrupted during its swap (crash between renames), using the
 * journal written next to the run. Safe to call any time; restoreArchive calls it first. A journal
 * of a live swap (this host) is refused with RESTORE_IN_PROGRESS, and so is one of another host or
 * container for FOREIGN_JOURNAL_MS.
 */
export async function recoverInterruptedRestore(
  runDirIn: string,
  opts: { hostId?: string } = {},
): Promise<'none' | 'rolled-back' | 'completed'> {
  const runDir = path.resolve(runDirIn);
  const hostId = opts.hostId ?? 'local';
  const jp = journalPath(runDir);
  let j: Journal;
  let journalMtime: number;
  try {
    j = JSON.parse(await fs.readFile(jp, 'utf8')) as Journal;
    journalMtime = (await fs.stat(jp)).mtimeMs;
  } catch {
    return 'none';
  }
  j = checkJournal(j, runDir, jp);
  const runName = path.basename(runDir);
  if (j.owner) {
    const state = isOwnToken(j.owner, hostId)
      ? swapping.has(runDir)
        ? 'alive'
        : 'gone'
      : ownerState(j.owner, hostId);
    if (state === 'alive' || (state === 'unknown' && Date.now() - journalMtime < FOREIGN_JOURNAL_MS))
      throw new ConflictError(
        'RESTORE_IN_PROGRESS',
        `Another restore of run ${runName} is swapping its content in right now; try again in a moment`,
      );
  }
  let outcome: 'none' | 'rolled-back' | 'completed' = 'none';
  const runSt = await fs.lstat(runDir).catch(() => null);
  const oldThere = await exists(j.old);
  if (!runSt && oldThere) {
    await fs.rename(j.old, runDir);
    outcome = 'rolled-back';
  } else if (runSt && oldThere) {
    if (j.stagingIno !== undefined && (runSt.ino !== j.stagingIno || runSt.dev !== j.stagingDev))
      // Something else took the run's path after the run was moved aside: neither finishing nor
      // rolling back is safe. Keep everything and say where the content is.
      throw new PermanentError(
        `A restore of run ${runName} was interrupted and ${runDir} now holds something it did not put there. ` +
          `The run's content from before the restore is safe in ${j.old}: move ${runDir} aside, then rename ${j.old} to ${runDir} (or restore again)`,
        'RESTORE_INTERRUPTED',
      );
    const oldArchives = path.join(j.old, ARCHIVES_DIR);
    if ((await exists(oldArchives)) && !(await exists(path.join(runDir, ARCHIVES_DIR))))
      await fs.rename(oldArchives, path.join(runDir, ARCHIVES_DIR));
    outcome = 'completed';
  }
  await syncDir(path.dirname(runDir));
  await fs.rm(jp, { force: true });
  await removeTree(j.staging);
  if (outcome === 'completed') await removeTree(j.old);
  return outcome;
}

/**
 * Remove temp folders of this run left by restores whose process is provably gone (see
 * temp-owner.ts): staging folders, and replaced trees whose swap had finished (no journal). Never
 * a live restore's folders, another host's, another run's, or a name without an owner token.
 */
async function sweepStaleStaging(runDir: string, hostId: string): Promise<string[]> {
  const parent = path.dirname(runDir);
  const runid = path.basename(runDir);
  const journal = await exists(journalPath(runDir));
  const removed: string[] = [];
  for (const n of await fs.readdir(parent).catch(() => [] as string[])) {
    const t = parseRestoreTempName(n);
    if (!t || t.runid !== runid || !t.owner) continue;
    if (t.role === 'old' && journal) continue;
    if (ownerState(t.owner, hostId) !== 'gone') continue;
    await removeTree(path.join(parent, n));
    removed.push(n);
  }
  return removed;
}

/**
 * For a starting restore service: recover every interrupted swap under `runsRoot` whose process is
 * gone and remove the temp folders of its dead restores (same rules as above). Returns what it did,
 * one line per run, for the log; a run it cannot recover is reported, not thrown.
 */
export async function recoverRestoreLeftovers(runsRoot: string, hostId = 'local'): Promise<string[]> {
  const runids = new Set<string>();
  for (const n of await fs.readdir(runsRoot).catch(() => [] as string[])) {
    const j = /^\.(.+)\.restore-journal\.json$/.exec(n);
    const t = parseRestoreTempName(n);
    const id = j ? j[1] : t?.owner ? t.runid : null;
    if (id && isValidRunId(id)) runids.add(id);
  }
  const report: string[] = [];
  for (const runid of [...runids].sort()) {
    const runDir = path.join(runsRoot, runid);
    try {
      const outcome = await recoverInterruptedRestore(runDir, { hostId });
      const removed = await sweepStaleStaging(runDir, hostId);
      if (outcome !== 'none' || removed.length)
        report.push(
          `run ${runid}: ${outcome !== 'none' ? `interrupted restore ${outcome}` : ''}${outcome !== 'none' && removed.length ? ', ' : ''}${removed.length ? `removed ${removed.length} temp folder(s) of dead restores` : ''}`,
        );
    } catch (err) {
      report.push(`run ${runid}: ${(err as Error).message}`);
    }
  }
  return report;
}

/**
 * Restore an archive into a run: check everything first, extract into a staging folder beside the
 * run, verify, optionally snapshot the current content (pre-restore), then swap atomically.
 *
 * The run must not change from the start of the restore to the swap: its fingerprint (run-state.ts)
 * is taken first and compared right before the swap and again once the run has been moved aside,
 * together with `assertUnlocked`; any difference refuses the restore (RUN_CHANGED / the lock's
 * error), rolls the run back into place untouched and deletes the pre-restore archive made for it.
 */
export async function restoreArchive(opts: RestoreOptions): Promise<RestoreResult> {
  const runDir = path.resolve(opts.runDir);
  const st = await fs.stat(runDir).catch(() => null);
  if (!st?.isDirectory()) throw new PermanentError(`Run directory ${runDir} does not exist`, 'RUN_NOT_FOUND');
  return restoreStaged({
    ...opts,
    prepare: (makeStaging) => prepareStaging(runDir, opts, makeStaging),
  });
}

/** What a staged restore's `prepare` filled the staging folder with. */
export interface PreparedStaging {
  filesRestored: number;
  totalBytes: number;
  entries?: number;
  manifest?: boolean;
}

export type StagedRestoreOptions = Omit<RestoreOptions, 'archivePath' | 'allowEmpty' | 'limits'> & {
  /**
   * Fills a staging folder with the run's new content (everything except archives/). Call
   * `makeStaging()` once, after every check that needs no staging: it creates the folder beside the
   * run (removed on failure and swept after a crash, see temp-owner.ts).
   */
  prepare(makeStaging: () => Promise<string>): Promise<PreparedStaging>;
};

/**
 * The safe part of every restore, whatever fills the staging folder (an archive, a backup): the
 * run's fingerprint first, `prepare`, the pre-restore snapshot, then the journaled swap. The run
 * must not change from the start of the restore to the swap: its fingerprint (run-state.ts) is
 * compared right before the swap and again once the run has been moved aside, together with
 * `assertUnlocked`; any difference refuses the restore (RUN_CHANGED / the lock's error), rolls the
 * run back into place untouched and deletes the pre-restore archive made for it.
 */
export async function restoreStaged(opts: StagedRestoreOptions): Promise<RestoreResult> {
  const runDir = path.resolve(opts.runDir);
  const runName = path.basename(runDir);
  const signal = opts.signal;
  const hostId = opts.hostId ?? 'local';
  const st = await fs.stat(runDir).catch(() => null);
  if (!st?.isDirectory()) throw new PermanentError(`Run directory ${runDir} does not exist`, 'RUN_NOT_FOUND');
  await recoverInterruptedRestore(runDir, { hostId });
  await sweepStaleStaging(runDir, hostId);
  const startedMs = Date.now();
  const before = await runState(runDir, signal);
  let staging: string | null = null;
  let preRestoreArchive: SnapshotResult | undefined;
  let swapped = false;
  try {
    // Everything that holds per-entry state (central directory, manifest, plan) lives inside
    // prepare and is garbage once it returns: the pre-restore snapshot below must not add
    // its memory on top of the restore's.
    const prepared = await opts.prepare(async () => {
      staging = tempName(runDir, 'restore', hostId);
      await fs.mkdir(staging, { mode: 0o700 });
      return staging;
    });
    if (!staging) throw new Error('restore: prepare returned without a staging folder');
    signal?.throwIfAborted();
    await fs.chmod(staging, st.mode & 0o7777);
    const { filesRestored, totalBytes } = prepared;
    const entries = prepared.entries ?? filesRestored;
    // The plan is garbage now; collect it before the pre-restore snapshot allocates (large runs).
    if (entries >= LARGE_PLAN && opts.preRestoreSnapshot !== false) collectGarbage();

    if (opts.preRestoreSnapshot !== false) {
      await opts.beforeStage?.('pre-restore-snapshot');
      opts.onProgress?.({
        stage: 'pre-restore-snapshot',
        bytesDone: 0,
        bytesTotal: 0,
        filesDone: 0,
        filesTotal: 0,
      });
      // Its own progress is reported under this stage (a large run's safety snapshot takes a while).
      preRestoreArchive = await createSnapshot({
        runDir,
        kind: 'pre-restore',
        signal,
        hostId,
        onProgress: (p) => opts.onProgress?.({ ...p, stage: 'pre-restore-snapshot' }),
      });
    }
    signal?.throwIfAborted();
    // From here the swap cannot be cancelled (its stage says so); it still refuses a locked or
    // changed run, and any failure rolls back.
    await opts.beforeStage?.('swapping');
    signal?.throwIfAborted();
    await opts.assertUnlocked?.(runDir);
    await assertRunUnchanged(runDir, runName, before, startedMs);
    // The restored tree reaches the disk before it takes the run's place (one syncfs).
    await syncTree(staging);
    opts.onProgress?.({
      stage: 'swapping',
      bytesDone: totalBytes,
      bytesTotal: totalBytes,
      filesDone: filesRestored,
      filesTotal: filesRestored,
    });
    await swapIn(
      runDir,
      staging,
      hostId,
      async (movedAside) => {
        await opts.assertUnlocked?.(movedAside);
        await assertRunUnchanged(movedAside, runName, before, startedMs);
      },
      () => (swapped = true),
    );
    staging = null;
    opts.onProgress?.({
      stage: 'done',
      bytesDone: totalBytes,
      bytesTotal: totalBytes,
      filesDone: filesRestored,
      filesTotal: filesRestored,
    });
    return { filesRestored, entries, manifest: prepared.manifest ?? false, preRestoreArchive };
  } catch (err) {
    // Refused or failed before the swap: the run is as it was, so the snapshot taken for this
    // restore is not needed (and must not show up as if the restore had happened).
    if (preRestoreArchive && !swapped) await fs.rm(preRestoreArchive.path, { force: true }).catch(noop);
    throw toCancelled(err, signal);
  } finally {
    if (staging) await removeTree(staging);
  }
}

/**
 * Restores a run whose directory is missing: `prepare` fills a staging folder beside where the run
 * belongs, which is then renamed into place (nothing to swap, snapshot or keep). A run directory
 * that appears meanwhile is never replaced (RUN_EXISTS).
 */
export async function restoreMissingRun(
  opts: Pick<StagedRestoreOptions, 'runDir' | 'hostId' | 'signal' | 'prepare'>,
): Promise<PreparedStaging> {
  const runDir = path.resolve(opts.runDir);
  const hostId = opts.hostId ?? 'local';
  const exists = async () => (await fs.lstat(runDir).catch(() => null)) !== null;
  if (await exists())
    throw new ConflictError('RUN_EXISTS', `Run ${path.basename(runDir)} has a directory already`);
  await fs.mkdir(path.dirname(runDir), { recursive: true });
  await sweepStaleStaging(runDir, hostId);
  let staging: string | null = null;
  try {
    const prepared = await opts.prepare(async () => {
      staging = tempName(runDir, 'restore', hostId);
      await fs.mkdir(staging, { mode: 0o700 });
      return staging;
    });
    if (!staging) throw new Error('restore: prepare returned without a staging folder');
    opts.signal?.throwIfAborted();
    await fs.chmod(staging, 0o755);
    if (await exists())
      throw new ConflictError(
        'RUN_EXISTS',
        `Run ${path.basename(runDir)} got a directory while it was being restored; it was left as it is`,
      );
    await syncTree(staging);
    await fs.rename(staging, runDir);
    staging = null;
    await syncDir(path.dirname(runDir));
    return prepared;
  } catch (err) {
    throw toCancelled(err, opts.signal);
  } finally {
    if (staging) await removeTree(staging);
  }
}

/** Read and check the archive, plan, and extract it into a new staging folder beside the run. */
async function prepareStaging(
  runDir: string,
  opts: RestoreOptions,
  makeStaging: () => Promise<string>,
): Promise<PreparedStaging> {
  const signal = opts.signal;
  const archivePath = path.resolve(opts.archivePath);
  const reader = await ZipReader.open(archivePath);
  // The worker threads start now, while the manifest is read and the plan checked (their start-up
  // is a fixed cost of every restore), and only as many as the pooled entries can use.
  let pooledBytes = 0;
  for (const e of reader.entries) if (pooled(e)) pooledBytes += e.size;
  const pool = new ExtractPool(archivePath, reader.cdOffset, extractPoolSize(pooledBytes), signal);
  try {
    const manifest = await loadManifest(reader);
    const entries = dataEntries(reader, manifest);
    const parent = path.dirname(runDir);
    const sfs = await fs.statfs(parent);
    const plan = await planRestore(reader, entries, manifest, opts.limits, sfs.bavail * sfs.bsize);
    if (!opts.allowEmpty && !plan.entries.some((e) => e.type === 'file'))
      throw emptyArchiveError(path.basename(opts.archivePath), path.basename(runDir), plan.entries.length);
    signal?.throwIfAborted();

    const staging = await makeStaging();
    const filesRestored = await extract(reader, pool, plan.entries, plan.totalBytes, manifest, staging, opts);
    signal?.throwIfAborted();
    return {
      filesRestored,
      totalBytes: plan.totalBytes,
      entries: entries.length,
      manifest: manifest !== null,
    };
  } finally {
    await pool.close();
    await reader.close();
  }
}

/** entries from which the restore's plan is worth a full collection once it is released */
const LARGE_PLAN = 20_000;

/**
 * Delete a staging or replaced tree we created (best effort). `rm -rf` where available: Node's
 * recursive fs.rm holds ~400 B per entry while it works (80 MB for a 200k-file run), in our process.
 */
export async function removeTree(dir: string): Promise<void> {
  if (process.platform !== 'win32') {
    const ok = await new Promise<boolean>((resolve) =>
      execFile('rm', ['-rf', '--', dir], (err) => resolve(!err)),
    );
    if (ok) return;
  }
  await fs.rm(dir, { recursive: true, force: true }).catch(noop);
}

/**
 * Swap the staging folder in: journal, run → old, `check` the moved-aside content (the last look
 * at what the run held, with nothing able to add to it by path), staging → run, archives/ across,
 * old removed. Until staging → run succeeds any failure (a refusing `check` included) puts the run
 * back; `onCommitted` marks the point after which the restore has happened.
 */
async function swapIn(
  runDir: string,
  staging: string,
  hostId: string,
  check: (movedAside: string) => Promise<void>,
  onCommitted: () => void,
): Promise<void> {
  const parent = path.dirname(runDir);
  const runName = path.basename(runDir);
  const old = tempName(runDir, 'old', hostId);
  const jp = journalPath(runDir);
  const sst = await fs.stat(staging);
  const j: Journal = {
    version: 2,
    runDir,
    staging,
    old,
    owner: ownerToken(hostId),
    stagingDev: sst.dev,
    stagingIno: sst.ino,
  };
  swapping.add(runDir);
  try {
    const fh = await fs.open(jp, 'w', 0o600);
    await fh.writeFile(JSON.stringify(j));
    await fh.sync();
    await fh.close();
    await syncDir(parent);
    // From here a crash is repaired by recoverInterruptedRestore (roll back before the 2nd rename, forward after).
    try {
      await fs.rename(runDir, old);
    } catch (err) {
      await fs.rm(jp, { force: true });
      throw describeFsError(err, `Cannot move run ${runName} aside to swap the restored content in`);
    }
    try {
      await check(old);
      await fs.rename(staging, runDir);
    } catch (err) {
      await putBack(runDir, old, jp);
      throw describeFsError(err, `Cannot swap the restored content into run ${runName}`);
    }
    onCommitted();
    if (await exists(path.join(old, ARCHIVES_DIR)))
      await fs.rename(path.join(old, ARCHIVES_DIR), path.join(runDir, ARCHIVES_DIR));
    await syncDir(parent);
    await fs.rm(jp, { force: true });
  } finally {
    swapping.delete(runDir);
  }
  await removeTree(old);
}

/** Undo `run → old`; if the run's path was taken meanwhile, keep everything and say where the content is. */
async function putBack(runDir: string, old: string, jp: string): Promise<void> {
  try {
    await fs.rename(old, runDir);
  } catch {
    throw new PermanentError(
      `The restore of run ${path.basename(runDir)} was refused, but something created ${runDir} while its content was moved aside. ` +
        `The run's content is safe in ${old}: move ${runDir} aside, then rename ${old} to ${runDir}`,
      'RESTORE_INTERRUPTED',
    );
  }
  await syncDir(path.dirname(runDir));
  await fs.rm(jp, { force: true });
}

/** Small files per worker message: at most this many, and this many bytes (uncompressed). */
const BATCH_FILES = 64;
const BATCH_BYTES = 1 << 20;
/** Batches in flight (at least two per worker thread, so none waits for its next message). */
const BATCHES_IN_FLIGHT = 8;

/**
 * The files in worker batches: entries larger than BATCH_BYTES alone and first, largest first (so
 * that the small ones fill the threads' tails), then the small ones in plan order, grouped.
 * Entries the workers do not take are alone.
 */
export function workBatches(files: PlannedEntry[]): PlannedEntry[][] {
  const large: PlannedEntry[] = [];
  const out: PlannedEntry[][] = [];
  let cur: PlannedEntry[] = [];
  let bytes = 0;
  for (const pe of files) {
    if (!pooled(pe.entry)) out.push([pe]);
    else if (pe.entry.size > BATCH_BYTES) large.push(pe);
    else {
      if (cur.length >= BATCH_FILES || (cur.length > 0 && bytes + pe.entry.size > BATCH_BYTES)) {
        out.push(cur);
        cur = [];
        bytes = 0;
      }
      cur.push(pe);
      bytes += pe.entry.size;
    }
  }
  if (cur.length) out.push(cur);
  large.sort((a, b) => b.entry.size - a.entry.size);
  return [...large.map((pe) => [pe]), ...out];
}

/** A write into staging that failed, in the run's terms (which entry, why), never the staging path. */
function writeError(rel: string, err: unknown): unknown {
  return describeFsError(err, `Cannot restore ${rel}`, 'RESTORE_WRITE_FAILED', '; the run was not changed');
}

function emptyArchiveError(archive: string, run: string, entries: number): PermanentError {
  return new PermanentError(
    `Archive ${archive} holds no files${entries ? ` (only ${entries} folder or link entries)` : ''}: restoring it would leave run ${run} without any files (everything except archives/ is replaced). ` +
      'Confirm that this is what you want with allowEmpty (--allow-empty on the command line)',
    'ARCHIVE_EMPTY',
    { archive, entries },
  );
}

/**
 * The mode to restore: the archive's, without setuid/setgid, and never one that locks the run's
 * own service out (an unreadable file, a folder it cannot list or empty would make every later
 * snapshot, and every restore with a pre-restore snapshot, fail): the owner keeps read on files,
 * read/write/search on folders.
 */
function fileMode(e: PlannedEntry): number {
  if (e.entry.mode === 0) return e.type === 'dir' ? 0o755 : 0o644;
  const m = e.entry.mode & 0o7777 & ~0o6000;
  return e.type === 'dir' ? m | 0o700 : m | 0o400;
}

async function extract(
  reader: ZipReader,
  pool: ExtractPool,
  plan: PlannedEntry[],
  totalBytes: number,
  manifest: ParsedManifest | null,
  staging: string,
  opts: RestoreOptions,
): Promise<number> {
  const signal = opts.signal;
  const mtimeOf = (pe: PlannedEntry) => {
    const line = manifest?.entries.get(pe.path);
    return line ? line.mt / 1000 : pe.entry.mtimeSec;
  };
  // Directories (declared and implied), created private; modes applied at the end.
  const dirs = new Set<string>();
  for (const pe of plan) {
    const parts = pe.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    if (pe.type === 'dir') dirs.add(pe.path);
  }
  // Synchronous: one folder at a time on a local disk is cheaper without a thread-pool round trip
  // each, and nothing else runs on this thread before the files are dispatched.
  const sorted = [...dirs].sort();
  for (const d of sorted)
    try {
      mkdirSync(path.join(staging, d), { mode: 0o700 });
    } catch (err) {
      throw writeError(d, err);
    }

  const files = plan.filter((p) => p.type === 'file');
  const LARGE_FILE_PROGRESS = 8 * 1024 * 1024;
  const progress: ArchiveProgress = {
    stage: 'extracting',
    bytesDone: 0,
    bytesTotal: totalBytes,
    filesDone: 0,
    filesTotal: files.length,
  };
  const flags = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW;
  const done = (pe: PlannedEntry) => {
    progress.filesDone++;
    progress.bytesDone += pe.entry.size;
  };
  /** Bytes written so far of the large files streaming now (several at once: their sum is reported). */
  const streaming = new Map<string, number>();
  let streamingBytes = 0;
  const streamed = (p: string, bytes: number) => {
    streamingBytes += bytes - (streaming.get(p) ?? 0);
    streaming.set(p, bytes);
  };
  /** Small files, many per message, in a worker thread; a large one alone, reporting as it streams. */
  const extractBatch = async (batch: PlannedEntry[]) => {
    if (signal?.aborted) throw new CancelledError('Restore cancelled');
    const one = batch.length === 1 ? batch[0] : null;
    const shas = await pool
      .runBatch(
        batch.map((pe) => ({
          entry: pe.entry,
          target: path.join(staging, pe.path),
          mode: fileMode(pe),
          mtime: mtimeOf(pe),
          expectSha256: manifest?.entries.get(pe.path)?.h,
          // A large file reports as it is written, not only once it is complete.
          onProgress:
            one && one.entry.size >= LARGE_FILE_PROGRESS
              ? (bytes: number) => {
                  streamed(one.path, bytes);
                  opts.onProgress?.({
                    ...progress,
                    bytesDone: progress.bytesDone + streamingBytes,
                    currentPath: one.path,
                  });
                }
              : undefined,
        })),
      )
      .catch((err: unknown) => {
        if (!(err instanceof BatchFailure)) throw err;
        // The tasks before the failed one are complete and checked (their files stay in staging).
        throw writeError(batch[err.index].path, err.error);
      })
      .finally(() => {
        // its bytes now count in progress.bytesDone (done) or not at all (failed)
        if (one && streaming.has(one.path)) {
          streamed(one.path, 0);
          streaming.delete(one.path);
        }
      });
    for (let i = 0; i < batch.length; i++) {
      if (manifest) checkManifestEntry(manifest, batch[i].entry, shas[i]);
      done(batch[i]);
    }
    opts.onProgress?.({ ...progress, currentPath: batch[batch.length - 1].path });
  };
  /** An entry a worker does not take (an unsupported method): the reader names what is wrong. */
  const extractHere = async (pe: PlannedEntry) => {
    if (signal?.aborted) throw new CancelledError('Restore cancelled');
    const fh = await fs.open(path.join(staging, pe.path), flags, 0o600).catch((err: unknown) => {
      throw writeError(pe.path, err);
    });
    try {
      const hash = createHash('sha256');
      let pos = 0;
      await reader.readEntry(
        pe.entry,
        async (buf) => {
          hash.update(buf);
          await writeFully(fh, buf, pos);
          pos += buf.length;
        },
        signal,
      );
      if (manifest) checkManifestEntry(manifest, pe.entry, hash.digest('hex'));
      await fh.chmod(fileMode(pe));
      const t = mtimeOf(pe);
      await fh.utimes(t, t);
    } catch (err) {
      throw writeError(pe.path, err);
    } finally {
      await fh.close();
    }
    done(pe);
    opts.onProgress?.({ ...progress, currentPath: pe.path });
  };
  opts.onProgress?.({ ...progress });
  const work = workBatches(files);
  // The first failure is the one reported; it stops the other entries at their next piece (a
  // large entry in a worker would otherwise run to its end), and their StoppedErrors are not it.
  let firstError: unknown = null;
  await mapLimit(work, Math.max(BATCHES_IN_FLIGHT, pool.size * 2), (batch) =>
    (pooled(batch[0].entry) ? extractBatch(batch) : extractHere(batch[0])).catch((err: unknown) => {
      if (!(err instanceof StoppedError)) {
        firstError ??= err;
        pool.stop();
      }
      throw err;
    }),
  ).catch((err: unknown) => {
    throw firstError ?? err;
  });
  for (const pe of plan) {
    if (pe.type !== 'symlink') continue;
    const p = path.join(staging, pe.path);
    await fs.symlink(pe.target!, p).catch((err: unknown) => {
      throw writeError(pe.path, err);
    });
    const t = mtimeOf(pe);
    await fs.lutimes(p, t, t).catch(noop);
  }
  const declared = new Map(plan.filter((p) => p.type === 'dir').map((p) => [p.path, p]));
  for (const d of sorted.reverse()) {
    const pe = declared.get(d);
    const p = path.join(staging, d);
    chmodSync(p, pe ? fileMode(pe) : 0o755);
    if (pe) {
      const t = mtimeOf(pe);
      utimesSync(p, t, t);
    }
  }
  return files.length;
}
