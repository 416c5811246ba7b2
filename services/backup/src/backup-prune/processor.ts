import type { z } from 'zod';
import {
  backupPrune,
  BACKUP_HOST,
  keepArgs,
  listSnapshots,
  registerProcessor,
  resticRepoFor,
  ResticLockedError,
  runRestic,
  runTag,
  type backupPrunePayload,
  type backupPruneResult,
  type ProcessorContext,
} from '@arkive/shared';

type Payload = z.infer<typeof backupPrunePayload>;
type Result = z.infer<typeof backupPruneResult>;

/** How long a prune waits before trying again while backups hold the repository. */
export const PRUNE_BUSY_RETRY_MS = 2000;

/**
 * Retention of one run's backups: `restic forget --tag run:<id> --keep-… --prune` under the fixed
 * host. The operation holds the repository's exclusive key (one prune or check per repository);
 * while backups hold restic's shared lock, restic refuses at once and the prune waits its turn.
 * Backup rows of forgotten snapshots are removed afterwards.
 */
export async function processBackupPrune(ctx: ProcessorContext<Payload>): Promise<Result> {
  const { runid, repoId, policy } = ctx.payload;
  const repo = resticRepoFor(ctx.config, repoId);
  await ctx.report.setStage('pruning', `Applying the retention policy of run ${runid}`, 0);
  try {
    await runRestic(
      repo,
      [
        'forget',
        '--tag',
        runTag(runid),
        '--host',
        BACKUP_HOST,
        '--group-by',
        'host,tags',
        ...keepArgs(policy),
        '--prune',
      ],
      { signal: ctx.signal },
    );
  } catch (err) {
    if (err instanceof ResticLockedError)
      return ctx.postpone(PRUNE_BUSY_RETRY_MS, 'Waiting for the repository: a backup is running');
    throw err;
  }
  const left = new Set((await listSnapshots(repo, [runTag(runid)], ctx.signal)).map((s) => s.id));
  const rows = await ctx.prisma.backup.findMany({
    where: { runId: runid, repoId },
    select: { id: true, snapshotId: true },
  });
  const gone = rows.filter((r) => !left.has(r.snapshotId)).map((r) => r.id);
  if (gone.length) await ctx.prisma.backup.deleteMany({ where: { id: { in: gone } } });
  await ctx.report.status(`Kept ${left.size} backups of run ${runid}, removed ${gone.length}`);
  return { kept: left.size, removed: gone.length };
}

export const backupPruneProcessor = registerProcessor(backupPrune, processBackupPrune);
