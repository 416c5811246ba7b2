import { z } from 'zod';
import {
  ACTIVE_STATUSES,
  AppError,
  backupPrune,
  backupZip,
  ConflictError,
  ensureRepoRow,
  runBackup,
  runBackupRestore,
  runCopy,
  runMove,
} from '@arkive/shared';
import { defineRoute } from '../../../http/route';

/** Kinds that read or write a run's backups: the run's repository cannot change under them. */
const BACKUP_KINDS = [
  runBackup.kind,
  runBackupRestore.kind,
  backupPrune.kind,
  backupZip.kind,
  runMove.kind, // backs up into, and restores from, the run's repository (its region must match)
  runCopy.kind, // snapshots the run's paths into it
];

export const setRunBackupRepo = defineRoute({
  method: 'patch',
  path: '/api/runs/:runid/backup-repo',
  summary:
    "Administrators: move the run's future backups to another region's repository {backupRepoId}. Old snapshots stay in the old repository (409 OPERATION_ACTIVE while a backup operation of the run is active)",
  tags: ['backups'],
  access: { kind: 'admin' },
  params: z.object({ runid: z.string() }),
  body: z.object({ backupRepoId: z.string().min(1).max(64) }).strict(),
  async handler({ deps, params, body }) {
    const run = await deps.prisma.run.findUnique({ where: { id: params.runid } });
    if (!run) throw new AppError('RUN_NOT_FOUND', `Run ${params.runid} not found`, 404);
    if (!deps.config.backup.regions.some((r) => r.region === body.backupRepoId))
      throw new AppError(
        'BACKUP_REGION_UNKNOWN',
        `Backup region ${body.backupRepoId} is not configured (BACKUP_REGIONS: ${deps.config.backup.regions.map((r) => r.region).join(', ')})`,
        400,
      );
    const active = await deps.prisma.operation.findFirst({
      where: {
        scopeType: 'run',
        scopeId: params.runid,
        kind: { in: BACKUP_KINDS },
        status: { in: [...ACTIVE_STATUSES] },
      },
      select: { id: true, kind: true },
    });
    if (active)
      throw new ConflictError(
        'OPERATION_ACTIVE',
        `A ${active.kind} operation of run ${params.runid} is active: change the repository after it ends`,
        { operationId: active.id },
      );
    const previous = run.backupRepoId ?? null;
    const repo = await ensureRepoRow(deps.prisma, deps.config, body.backupRepoId);
    await deps.prisma.run.update({ where: { id: run.id }, data: { backupRepoId: repo.id } });
    const oldCount =
      previous && previous !== repo.id
        ? await deps.prisma.backup.count({ where: { runId: run.id, repoId: previous } })
        : 0;
    return {
      runid: run.id,
      backupRepoId: repo.id,
      region: repo.region,
      previous,
      warning:
        previous && previous !== repo.id
          ? `New backups go to ${repo.id}. The ${oldCount} backup(s) made so far stay in ${previous}: they are still listed and restorable from there, and are not copied`
          : null,
    };
  },
});
