import path from 'node:path';
import {
  ARCHIVE_NAME_PATTERN,
  ARCHIVES_DIR,
  dirUsage,
  freeBytesUnder,
  listArchiveFiles,
  runPath,
  runRedisLocks,
  runTreeHealth,
} from '@arkive/shared';
import type { RunHealth } from '@arkive/shared/contracts';
import type { AppDeps } from '../../deps';

/** A run's health from the disk (size, files, lock files, archives/), Redis (locks) and the archive rows. */
export async function runHealth(deps: AppDeps, runid: string, exists: boolean): Promise<RunHealth> {
  const runDir = runPath(deps.config.runsRoot, runid);
  const [tree, redisLocks, files, usage, diskFreeBytes, rows] = await Promise.all([
    exists ? runTreeHealth(runDir) : null,
    runRedisLocks(deps.redis, deps.config.redisPrefix, runid),
    exists ? listArchiveFiles(runDir) : [],
    exists ? dirUsage(path.join(runDir, ARCHIVES_DIR)) : { bytes: 0, files: 0 },
    freeBytesUnder(deps.config.runsRoot),
    deps.prisma.archive.findMany({
      where: { runId: runid },
      select: { name: true, kind: true, createdAt: true },
    }),
  ]);
  const byName = new Map(rows.map((r) => [r.name, r]));
  const zips = files.filter((f) => ARCHIVE_NAME_PATTERN.test(f.name));
  // Archive files made outside the API (the CLI, a copy) have no row: their name and mtime count.
  const snapshots = zips
    .map((f) => {
      const row = byName.get(f.name);
      const kind = row?.kind ?? (f.name.startsWith('pre-restore-') ? 'pre-restore' : 'snapshot');
      return { name: f.name, kind, createdAt: (row?.createdAt ?? f.mtime).toISOString() };
    })
    .filter((a) => a.kind === 'snapshot')
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const lockFiles = tree?.lockFiles ?? [];
  const snapshotBlockedReason = !exists
    ? `The run's directory ${runid} is missing under RUNS_ROOT; restore it from a backup or recreate it before taking a snapshot.`
    : lockFiles.length || redisLocks.length
      ? `The run is locked (${[
          ...lockFiles.map((l) => l.path),
          ...redisLocks.map((l) => `Redis lock ${l.field}`),
        ].join(', ')}); a snapshot waits until the lock is released.`
      : null;
  return {
    missing: !exists,
    sizeBytes: tree?.sizeBytes ?? null,
    fileCount: tree?.fileCount ?? null,
    lockFiles,
    redisLocks,
    lastSnapshot: snapshots[0] ? { name: snapshots[0].name, createdAt: snapshots[0].createdAt } : null,
    archiveCount: zips.length,
    archiveBytes: zips.reduce((n, f) => n + f.size, 0),
    archivesDiskBytes: usage.bytes,
    diskFreeBytes,
    snapshotBlockedReason,
  };
}
