import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import execa from 'execa';
import { removeTree, type PreparedStaging } from '../archive';
import { PermanentError } from '../errors';
import { ARCHIVES_DIR } from '../runs';
import { globEscape, resticAtLeast, runRestic, type ResticRepo } from './restic';

export interface BackupRestoreProgress {
  bytesDone: number;
  bytesTotal: number;
}

/** Bytes under `dir` (du -sb), for progress where restic reports none (0.14 restore). */
async function bytesUnder(dir: string): Promise<number> {
  const res = await execa('du', ['-sb', dir], { reject: false, stdin: 'ignore' });
  const n = Number(res.stdout.split(/\s/)[0]);
  return Number.isFinite(n) ? n : 0;
}

/**
 * `restic restore <id> --target <target> --verify [--include /p ...]`: any non-zero exit is a failure
 * (on a damaged pack restic still writes other files, one of them full-size with wrong bytes).
 * Progress from restic's status lines (0.16+) or by measuring the target every 2 s.
 */
export async function resticRestore(
  repo: ResticRepo,
  snapshotId: string,
  target: string,
  opts: {
    paths?: string[];
    bytesTotal: number;
    signal?: AbortSignal;
    onProgress?(p: BackupRestoreProgress): void;
    /**
     * Called once restic has written everything (its metadata too) and only verifies: restic
     * < 0.16 says "verifying files in <target>" then. The tree no longer changes unless restic
     * fails (then the restore fails). Not called where restic does not say so.
     */
    onRestored?(): void;
  },
): Promise<void> {
  const json = await resticAtLeast(16);
  const args = ['restore', snapshotId, '--target', target, '--verify'];
  for (const p of opts.paths ?? []) args.push('--include', `/${globEscape(p)}`);
  if (json) args.push('--json');
  let timer: NodeJS.Timeout | undefined;
  if (!json && opts.onProgress) {
    const tick = () => {
      void bytesUnder(target).then((b) => {
        if (timer) {
          opts.onProgress?.({ bytesDone: Math.min(b, opts.bytesTotal), bytesTotal: opts.bytesTotal });
          timer = setTimeout(tick, 2000);
        }
      });
    };
    timer = setTimeout(tick, 2000);
  }
  try {
    let restored = false;
    await runRestic(repo, args, {
      signal: opts.signal,
      onLine(line) {
        if (!json && !restored && line.startsWith('verifying files in ')) {
          restored = true;
          opts.onRestored?.();
        }
      },
      onJson(m) {
        if (m.message_type === 'status' && typeof m.bytes_restored === 'number')
          opts.onProgress?.({
            bytesDone: m.bytes_restored,
            bytesTotal: typeof m.total_bytes === 'number' ? m.total_bytes : opts.bytesTotal,
          });
      },
    });
  } finally {
    if (timer) clearTimeout(timer);
    timer = undefined;
  }
}

/** Fills a staging folder with the whole snapshot (the snapshot's root is the run's root). */
export function fillWhole(
  repo: ResticRepo,
  snapshotId: string,
  opts: {
    bytesTotal: number;
    files: number;
    /** keep archives/ as restored (a move's backup that carried them) */
    keepArchives?: boolean;
    signal?: AbortSignal;
    onProgress?(p: BackupRestoreProgress): void;
    /** see resticRestore (archives/ may still be in the staging folder then) */
    onRestored?(): void;
  },
) {
  return async (makeStaging: () => Promise<string>): Promise<PreparedStaging> => {
    const staging = await makeStaging();
    await resticRestore(repo, snapshotId, staging, opts);
    // a backup holds archives/ only when a move carried them; otherwise it is not the run's
    const archives = path.join(staging, ARCHIVES_DIR);
    if (!opts.keepArchives && (await fs.lstat(archives).catch(() => null))) await removeTree(archives);
    return { filesRestored: opts.files, totalBytes: opts.bytesTotal };
  };
}

/**
 * Fills a staging folder with the run's current content (a copy: reflinks where the file system
 * has them) with `paths` replaced by their backed-up version; a path that is not in the backup
 * is refused (PATH_NOT_IN_BACKUP) before anything changes.
 */
export function fillPaths(
  repo: ResticRepo,
  snapshotId: string,
  runDir: string,
  paths: string[],
  opts: {
    bytesTotal: number;
    files: number;
    signal?: AbortSignal;
    onProgress?(p: BackupRestoreProgress): void;
  },
) {
  return async (makeStaging: () => Promise<string>): Promise<PreparedStaging> => {
    const staging = await makeStaging();
    const top = (await fs.readdir(runDir)).filter((n) => n !== ARCHIVES_DIR);
    if (top.length)
      await execa('cp', ['-a', '--reflink=auto', '--', ...top.map((n) => path.join(runDir, n)), staging], {
        stdin: 'ignore',
      });
    opts.signal?.throwIfAborted();
    const tmp = path.join(staging, `.arkive-backup-restore-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(tmp, { mode: 0o700 });
    await resticRestore(repo, snapshotId, tmp, { ...opts, paths });
    for (const p of paths) {
      const from = path.join(tmp, p);
      if (!(await fs.lstat(from).catch(() => null)))
        throw new PermanentError(`${p} is not in backup ${snapshotId.slice(0, 8)}`, 'PATH_NOT_IN_BACKUP', {
          path: p,
        });
    }
    for (const p of paths) {
      const to = path.join(staging, p);
      await removeTree(to);
      await fs.mkdir(path.dirname(to), { recursive: true });
      await fs.rename(path.join(tmp, p), to);
    }
    await removeTree(tmp);
    return { filesRestored: opts.files, totalBytes: opts.bytesTotal };
  };
}
