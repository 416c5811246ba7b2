import {
  findSnapshot,
  type BackupSummary,
  type ProcessorContext,
  type ResticRepo,
  type ResticSnapshot,
} from '@arkive/shared';

/**
 * Records a finished restic backup of a run: its snapshot row (idempotent on repository +
 * snapshot, so a resumed job records it once) and the run's `lastBackupAt` (only ever forward).
 */
export async function recordBackup(
  ctx: Pick<ProcessorContext<unknown>, 'prisma' | 'operation' | 'signal'>,
  opts: { repo: ResticRepo; repoId: string; runid: string; purpose: string; summary: BackupSummary },
): Promise<{
  backup: Awaited<ReturnType<ProcessorContext<unknown>['prisma']['backup']['upsert']>>;
  snap: ResticSnapshot;
}> {
  const { repo, repoId, runid, purpose, summary } = opts;
  const snap = await findSnapshot(repo, summary.snapshotId, ctx.signal);
  const time = new Date(snap.time);
  const backup = await ctx.prisma.backup.upsert({
    where: { repoId_snapshotId: { repoId, snapshotId: snap.id } },
    create: {
      runId: runid,
      repoId,
      snapshotId: snap.id,
      time,
      purpose,
      files: summary.totalFiles,
      bytes: BigInt(summary.totalBytes),
      bytesAdded: BigInt(summary.dataAdded),
      operationId: ctx.operation.id,
    },
    update: {},
  });
  await ctx.prisma.run.updateMany({
    where: { id: runid, OR: [{ lastBackupAt: null }, { lastBackupAt: { lt: time } }] },
    data: { lastBackupAt: time },
  });
  return { backup, snap };
}
