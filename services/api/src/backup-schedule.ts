import {
  backupPrune,
  ConflictError,
  enqueueOperation,
  findTool,
  isStale,
  refreshLastEdited,
  runBackup,
  retentionPolicy,
  runExists,
  runPath,
  runRepoId,
} from '@arkive/shared';
import type { AppDeps } from './deps';

const DAY_MS = 24 * 3600 * 1000;
/** runs looked at per tick (the rest on the next minutes) */
const BATCH = 50;

/**
 * Daily backups (BACKUP_DAILY): a run not backed up for a day whose content changed since its
 * last backup (an mtime scan decides) gets a `scheduled` backup. A run whose backup was queued in
 * the last hour is left alone, so a failing one is not re-queued every minute.
 */
export async function queueScheduledBackups(deps: AppDeps, now = new Date()): Promise<{ queued: string[] }> {
  const queued: string[] = [];
  if (!deps.config.backup.daily || !findTool('restic')) return { queued };
  const due = await deps.prisma.run.findMany({
    where: { OR: [{ lastBackupAt: null }, { lastBackupAt: { lt: new Date(now.getTime() - DAY_MS) } }] },
    orderBy: [{ lastBackupAt: { sort: 'asc', nulls: 'first' } }, { id: 'asc' }],
    take: BATCH,
  });
  for (const run of due) {
    if (!(await runExists(deps.config.runsRoot, run.id))) continue;
    const recent = await deps.prisma.operation.findFirst({
      where: { kind: runBackup.kind, scopeId: run.id, createdAt: { gt: new Date(now.getTime() - 3600_000) } },
      select: { id: true },
    });
    if (recent) continue;
    const lastEditedAt = await refreshLastEdited(deps.prisma, run.id, runPath(deps.config.runsRoot, run.id));
    if (!isStale({ lastBackupAt: run.lastBackupAt, lastEditedAt })) continue;
    try {
      await enqueueOperation(
        deps,
        runBackup,
        { runid: run.id, purpose: 'scheduled' },
        { createdBy: 'schedule' },
      );
      queued.push(run.id);
    } catch (err) {
      // another operation of the run is active: the next tick tries again
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  return { queued };
}

/**
 * Scheduled retention (with BACKUP_DAILY): once a day, each run with a retention policy and a backup
 * newer than its last retention run gets a `backup-prune` (forget by the policy, then prune, on the
 * repository's exclusive slot). A run whose prune was queued in the last day is left alone.
 */
export async function queueScheduledRetention(
  deps: AppDeps,
  now = new Date(),
): Promise<{ queued: string[] }> {
  const queued: string[] = [];
  if (!deps.config.backup.daily || !findTool('restic')) return { queued };
  const backedUp = await deps.prisma.run.findMany({
    where: { lastBackupAt: { not: null } },
    select: { id: true, lastBackupAt: true, backupRetention: true },
    orderBy: { id: 'asc' },
  });
  for (const run of backedUp) {
    const policy = retentionPolicy.safeParse(run.backupRetention);
    if (!policy.success) continue;
    const last = await deps.prisma.operation.findFirst({
      where: { kind: backupPrune.kind, scopeId: run.id },
      orderBy: { createdAt: 'desc' },
      select: { createdAt: true },
    });
    if (last && (last.createdAt.getTime() > now.getTime() - DAY_MS || last.createdAt >= run.lastBackupAt!))
      continue;
    const repoId = await runRepoId(deps.prisma, deps.config, run.id);
    try {
      await enqueueOperation(
        deps,
        backupPrune,
        { runid: run.id, repoId, policy: policy.data },
        { createdBy: 'schedule' },
      );
      queued.push(run.id);
      if (queued.length >= BATCH) break;
    } catch (err) {
      // the repository's slot or the run is busy: the next tick tries again
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  return { queued };
}
