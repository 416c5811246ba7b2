import path from 'node:path';
import { ARCHIVES_DIR } from '../runs';
import {
  BACKUP_HOST,
  globEscape,
  resticAtLeast,
  runRestic,
  ResticLockedError,
  type ResticRepo,
} from './restic';

export interface BackupProgress {
  /** 0-1, never going back (restic's own percent dips while its scan grows) */
  fraction: number;
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
  secondsRemaining?: number;
  currentFile?: string;
}

export interface BackupSummary {
  snapshotId: string;
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  /** bytes added to the repository (after deduplication and compression) */
  dataAdded: number;
  totalFiles: number;
  totalBytes: number;
}

export const runTag = (runid: string) => `run:${runid}`;
export const purposeTag = (purpose: string) => `purpose:${purpose}`;

/**
 * `restic backup .` inside the run (the snapshot's root is the run's root), excluding archives/
 * (unless `includeArchives`),
 * tagged with the run id and purpose, under the fixed host. Progress from restic's status lines.
 */
export async function backupDir(
  repo: ResticRepo,
  runDir: string,
  opts: {
    runid: string;
    purpose: string;
    /** back up archives/ too (a move that carries the run's local snapshots) */
    includeArchives?: boolean;
    signal?: AbortSignal;
    onProgress?(p: BackupProgress): void;
  },
): Promise<BackupSummary> {
  let best = 0;
  let summary: BackupSummary | undefined;
  const args = [
    'backup',
    '--json',
    '--host',
    BACKUP_HOST,
    '--tag',
    runTag(opts.runid),
    '--tag',
    purposeTag(opts.purpose),
    ...(opts.includeArchives ? [] : ['--exclude', globEscape(path.join(path.resolve(runDir), ARCHIVES_DIR))]),
    '.',
  ];
  await runRestic(repo, args, {
    cwd: runDir,
    signal: opts.signal,
    onJson(m) {
      if (m.message_type === 'status') {
        const pct = typeof m.percent_done === 'number' ? m.percent_done : 0;
        best = Math.max(best, Math.min(1, pct));
        opts.onProgress?.({
          fraction: best,
          bytesDone: num(m.bytes_done),
          bytesTotal: num(m.total_bytes),
          filesDone: num(m.files_done),
          filesTotal: num(m.total_files),
          secondsRemaining: typeof m.seconds_remaining === 'number' ? m.seconds_remaining : undefined,
          currentFile: Array.isArray(m.current_files) ? String(m.current_files[0] ?? '') : undefined,
        });
      } else if (m.message_type === 'summary') {
        summary = {
          snapshotId: String(m.snapshot_id),
          filesNew: num(m.files_new),
          filesChanged: num(m.files_changed),
          filesUnmodified: num(m.files_unmodified),
          dataAdded: num(m.data_added),
          totalFiles: num(m.total_files_processed),
          totalBytes: num(m.total_bytes_processed),
        };
      }
    },
  });
  if (!summary) throw new Error('restic backup ended without a summary');
  return summary;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/**
 * After a backup process died (SIGKILL, power loss): remove the locks whose holder is provably dead
 * (`restic unlock` removes only stale locks: a dead process of this machine, or older than 30 min),
 * then rebuild the index so the packs it uploaded are reused. The rebuild needs the repository
 * alone; while another backup holds it, it is skipped (the data is uploaded again instead).
 */
export async function recoverAfterCrash(repo: ResticRepo, signal?: AbortSignal): Promise<string[]> {
  const done: string[] = [];
  await runRestic(repo, ['unlock'], { signal });
  done.push('removed stale repository locks');
  try {
    await runRestic(repo, (await resticAtLeast(16)) ? ['repair', 'index'] : ['rebuild-index'], { signal });
    done.push('rebuilt the repository index (uploaded packs are reused)');
  } catch (err) {
    if (!(err instanceof ResticLockedError)) throw err;
    done.push('index rebuild skipped: the repository is in use');
  }
  return done;
}

/** restic forget's arguments for a retention policy. */
export function keepArgs(p: {
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepWithinDays?: number;
}): string[] {
  const a: string[] = [];
  if (p.keepLast) a.push('--keep-last', String(p.keepLast));
  if (p.keepDaily) a.push('--keep-daily', String(p.keepDaily));
  if (p.keepWeekly) a.push('--keep-weekly', String(p.keepWeekly));
  if (p.keepMonthly) a.push('--keep-monthly', String(p.keepMonthly));
  if (p.keepWithinDays) a.push('--keep-within', `${p.keepWithinDays}d`);
  return a;
}
