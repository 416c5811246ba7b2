import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants as C } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CancelledError, PermanentError } from '../errors';
import { ARCHIVES_DIR } from '../runs';
import { createSnapshot, syncDir } from './create';
import { mapLimit, noop } from './flow';
import { ExtractPool } from './extract-pool';
import { writeFully } from './file-io';
import { collectGarbage } from './gc';
import { ZipReader, pooled } from './reader';
import { planRestore, type PlannedEntry } from './safety';
import type { ArchiveProgress, RestoreOptions, RestoreResult, SnapshotResult } from './types';
import { checkManifestEntry, dataEntries, loadManifest, toCancelled } from './verify';
import type { ParsedManifest } from './manifest';

const WRITE_CONCURRENCY = 16;

interface Journal {
  runDir: string;
  staging: string;
  old: string;
}

const journalPath = (runDir: string) =>
  path.join(path.dirname(runDir), `.${path.basename(runDir)}.restore-journal.json`);

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Finish or roll back a restore interrupted during its swap (crash between renames), using the
 * journal written next to the run. Safe to call any time; restoreArchive calls it first.
 */
export async function recoverInterruptedRestore(
  runDirIn: string,
): Promise<'none' | 'rolled-back' | 'completed'> {
  const runDir = path.resolve(runDirIn);
  const jp = journalPath(runDir);
  let j: Journal;
  try {
    j = JSON.parse(await fs.readFile(jp, 'utf8')) as Journal;
  } catch {
    return 'none';
  }
  let outcome: 'none' | 'rolled-back' | 'completed' = 'none';
  const runThere = await exists(runDir);
  const oldThere = await exists(j.old);
  if (!runThere && oldThere) {
    await fs.rename(j.old, runDir);
    outcome = 'rolled-back';
  } else if (runThere && oldThere) {
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

/** Remove staging folders left by restores that crashed before their swap (no journal). */
async function sweepStaleStaging(runDir: string): Promise<void> {
  const parent = path.dirname(runDir);
  const prefix = `.${path.basename(runDir)}.restore-`;
  for (const n of await fs.readdir(parent).catch(() => [] as string[])) {
    if (n.startsWith(prefix) && !n.endsWith('journal.json')) await removeTree(path.join(parent, n));
  }
}

/**
 * Restore an archive into a run: check everything first, extract into a staging folder beside the
 * run, verify, optionally snapshot the current content (pre-restore), then swap atomically.
 */
export async function restoreArchive(opts: RestoreOptions): Promise<RestoreResult> {
  const runDir = path.resolve(opts.runDir);
  const signal = opts.signal;
  const st = await fs.stat(runDir).catch(() => null);
  if (!st?.isDirectory()) throw new PermanentError(`Run directory ${runDir} does not exist`, 'RUN_NOT_FOUND');
  await recoverInterruptedRestore(runDir);
  await sweepStaleStaging(runDir);
  let staging: string | null = null;
  let preRestoreArchive: SnapshotResult | undefined;
  let swapped = false;
  try {
    // Everything that holds per-entry state (central directory, manifest, plan) lives inside
    // prepareStaging and is garbage once it returns: the pre-restore snapshot below must not add
    // its memory on top of the restore's.
    const prepared = await prepareStaging(runDir, st.mode, opts, (dir) => (staging = dir));
    const { filesRestored, totalBytes } = prepared;
    // The plan is garbage now; collect it before the pre-restore snapshot allocates (large runs).
    if (prepared.entries >= LARGE_PLAN) collectGarbage();

    if (opts.preRestoreSnapshot !== false) {
      await opts.beforeStage?.('pre-restore-snapshot');
      opts.onProgress?.({
        stage: 'pre-restore-snapshot',
        bytesDone: 0,
        bytesTotal: 0,
        filesDone: 0,
        filesTotal: 0,
      });
      preRestoreArchive = await createSnapshot({ runDir, kind: 'pre-restore', signal });
    }
    signal?.throwIfAborted();
    await opts.beforeStage?.('swapping');
    signal?.throwIfAborted();
    opts.onProgress?.({
      stage: 'swapping',
      bytesDone: totalBytes,
      bytesTotal: totalBytes,
      filesDone: filesRestored,
      filesTotal: filesRestored,
    });
    await swapIn(runDir, staging!);
    staging = null;
    swapped = true;
    opts.onProgress?.({
      stage: 'done',
      bytesDone: totalBytes,
      bytesTotal: totalBytes,
      filesDone: filesRestored,
      filesTotal: filesRestored,
    });
    return { filesRestored, entries: prepared.entries, manifest: prepared.manifest, preRestoreArchive };
  } catch (err) {
    // Nothing was replaced: the safety snapshot of the current content is not needed.
    if (preRestoreArchive && !swapped)
      await fs.rm(preRestoreArchive.path, { force: true }).catch(() => undefined);
    throw toCancelled(err, signal);
  } finally {
    if (staging) await removeTree(staging);
  }
}

/** Read and check the archive, plan, and extract it into a new staging folder beside the run. */
async function prepareStaging(
  runDir: string,
  runMode: number,
  opts: RestoreOptions,
  onStaging: (dir: string) => void,
): Promise<{ filesRestored: number; totalBytes: number; entries: number; manifest: boolean }> {
  const signal = opts.signal;
  const reader = await ZipReader.open(path.resolve(opts.archivePath));
  try {
    const manifest = await loadManifest(reader);
    const entries = dataEntries(reader, manifest);
    const parent = path.dirname(runDir);
    const sfs = await fs.statfs(parent);
    const plan = await planRestore(reader, entries, manifest, opts.limits, sfs.bavail * sfs.bsize);
    signal?.throwIfAborted();

    const staging = path.join(parent, `.${path.basename(runDir)}.restore-${randomBytes(6).toString('hex')}`);
    await fs.mkdir(staging, { mode: 0o700 });
    onStaging(staging);
    const filesRestored = await extract(
      reader,
      path.resolve(opts.archivePath),
      plan.entries,
      plan.totalBytes,
      manifest,
      staging,
      opts,
    );
    signal?.throwIfAborted();
    await fs.chmod(staging, runMode & 0o7777);
    return {
      filesRestored,
      totalBytes: plan.totalBytes,
      entries: entries.length,
      manifest: manifest !== null,
    };
  } finally {
    await reader.close();
  }
}

/** entries from which the restore's plan is worth a full collection once it is released */
const LARGE_PLAN = 20_000;

/**
 * Delete a staging or replaced tree we created (best effort). `rm -rf` where available: Node's
 * recursive fs.rm holds ~400 B per entry while it works (80 MB for a 200k-file run), in our process.
 */
async function removeTree(dir: string): Promise<void> {
  if (process.platform !== 'win32') {
    const ok = await new Promise<boolean>((resolve) =>
      execFile('rm', ['-rf', '--', dir], (err) => resolve(!err)),
    );
    if (ok) return;
  }
  await fs.rm(dir, { recursive: true, force: true }).catch(noop);
}

async function swapIn(runDir: string, staging: string): Promise<void> {
  const parent = path.dirname(runDir);
  const old = path.join(parent, `.${path.basename(runDir)}.old-${randomBytes(6).toString('hex')}`);
  const jp = journalPath(runDir);
  const j: Journal = { runDir, staging, old };
  const fh = await fs.open(jp, 'w', 0o600);
  await fh.writeFile(JSON.stringify(j));
  await fh.sync();
  await fh.close();
  await syncDir(parent);
  // From here a crash is repaired by recoverInterruptedRestore (roll back before the 2nd rename, forward after).
  await fs.rename(runDir, old);
  try {
    await fs.rename(staging, runDir);
  } catch (err) {
    await fs.rename(old, runDir);
    await fs.rm(jp, { force: true });
    throw err;
  }
  if (await exists(path.join(old, ARCHIVES_DIR)))
    await fs.rename(path.join(old, ARCHIVES_DIR), path.join(runDir, ARCHIVES_DIR));
  await syncDir(parent);
  await fs.rm(jp, { force: true });
  await removeTree(old);
}

function fileMode(e: PlannedEntry): number {
  const m = e.entry.mode & 0o7777;
  if (e.entry.mode === 0) return e.type === 'dir' ? 0o755 : 0o644;
  return m & ~0o6000; // strip setuid/setgid
}

async function extract(
  reader: ZipReader,
  archivePath: string,
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
  for (const d of [...dirs].sort()) await fs.mkdir(path.join(staging, d), { mode: 0o700 });

  const files = plan.filter((p) => p.type === 'file');
  const progress: ArchiveProgress = {
    stage: 'extracting',
    bytesDone: 0,
    bytesTotal: totalBytes,
    filesDone: 0,
    filesTotal: files.length,
  };
  const flags = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW;
  const pool = new ExtractPool(archivePath, reader.cdOffset);
  try {
    await mapLimit(files, WRITE_CONCURRENCY, async (pe) => {
      if (signal?.aborted) throw new CancelledError('Restore cancelled');
      if (pooled(pe.entry)) {
        const sha = await pool.run({
          entry: pe.entry,
          target: path.join(staging, pe.path),
          mode: fileMode(pe),
          mtime: mtimeOf(pe),
          expectSha256: manifest?.entries.get(pe.path)?.h,
        });
        if (manifest) checkManifestEntry(manifest, pe.entry, sha);
        progress.filesDone++;
        progress.bytesDone += pe.entry.size;
        opts.onProgress?.({ ...progress, currentPath: pe.path });
        return;
      }
      const fh = await fs.open(path.join(staging, pe.path), flags, 0o600);
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
      } finally {
        await fh.close();
      }
      progress.filesDone++;
      progress.bytesDone += pe.entry.size;
      opts.onProgress?.({ ...progress, currentPath: pe.path });
    });
  } finally {
    await pool.close();
  }
  for (const pe of plan) {
    if (pe.type !== 'symlink') continue;
    const p = path.join(staging, pe.path);
    await fs.symlink(pe.target!, p);
    const t = mtimeOf(pe);
    await fs.lutimes(p, t, t).catch(noop);
  }
  const declared = new Map(plan.filter((p) => p.type === 'dir').map((p) => [p.path, p]));
  for (const d of [...dirs].sort().reverse()) {
    const pe = declared.get(d);
    const p = path.join(staging, d);
    await fs.chmod(p, pe ? fileMode(pe) : 0o755);
    if (pe) {
      const t = mtimeOf(pe);
      await fs.utimes(p, t, t);
    }
  }
  return files.length;
}
