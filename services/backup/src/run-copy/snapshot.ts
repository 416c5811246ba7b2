import {
  BACKUP_HOST,
  copyTag,
  findSnapshot,
  isStale,
  listLevel,
  purposeTag,
  refreshLastEdited,
  runRestic,
  type PrismaClient,
  type ResticRepo,
} from '@arkive/shared';

export const copyOfTag = (runid: string) => `copy-of:${runid}`;

/**
 * `restic backup` of only `paths` inside the run (the snapshot's root is the run's root), tagged
 * purpose:copy, copy-of:<runid> and copy:<operation> but not run:<runid>: the run's retention and
 * deletion never see it; the copy forgets it when no destination needs it any more.
 */
export async function snapshotPaths(
  repo: ResticRepo,
  runDir: string,
  opts: { runid: string; operationId: string; paths: string[]; signal?: AbortSignal },
): Promise<{ snapshotId: string; files: number; bytes: number }> {
  let summary: { snapshotId: string; files: number; bytes: number } | undefined;
  await runRestic(
    repo,
    [
      'backup',
      '--json',
      '--host',
      BACKUP_HOST,
      '--tag',
      purposeTag('copy'),
      '--tag',
      copyOfTag(opts.runid),
      '--tag',
      copyTag(opts.operationId),
      '--',
      ...opts.paths,
    ],
    {
      cwd: runDir,
      signal: opts.signal,
      onJson(m) {
        if (m.message_type === 'summary')
          summary = {
            snapshotId: String(m.snapshot_id),
            files: Number(m.total_files_processed) || 0,
            bytes: Number(m.total_bytes_processed) || 0,
          };
      },
    },
  );
  if (!summary) throw new Error('restic backup ended without a summary');
  // restic 0.14 reports the short id
  const snap = await findSnapshot(repo, summary.snapshotId, opts.signal);
  return { ...summary, snapshotId: snap.id };
}

/** Whether a snapshot holds every one of `paths`. */
export async function snapshotHolds(
  repo: ResticRepo,
  snapshotId: string,
  paths: string[],
  signal?: AbortSignal,
): Promise<boolean> {
  for (const p of paths) {
    const dir = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
    const level = await listLevel(repo, snapshotId, dir, signal).catch(() => null);
    if (!level?.some((e) => e.path === p)) return false;
  }
  return true;
}

/**
 * The run's last backup, when it may stand in for a copy snapshot: newer than the run's last edit
 * (an mtime scan right now) and holding every path.
 */
export async function reusableBackup(
  prisma: PrismaClient,
  repo: ResticRepo,
  runid: string,
  runDir: string,
  paths: string[],
  signal?: AbortSignal,
): Promise<{ snapshotId: string; repoId: string } | null> {
  await refreshLastEdited(prisma, runid, runDir);
  const run = await prisma.run.findUnique({ where: { id: runid } });
  if (!run || isStale(run)) return null;
  const last = await prisma.backup.findFirst({ where: { runId: runid }, orderBy: { time: 'desc' } });
  if (!last || (run.lastEditedAt && last.time < run.lastEditedAt)) return null;
  if (!(await snapshotHolds(repo, last.snapshotId, paths, signal))) return null;
  return { snapshotId: last.snapshotId, repoId: last.repoId };
}
