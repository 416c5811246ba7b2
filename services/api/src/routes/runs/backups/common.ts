import { z } from 'zod';
import { isStale, NotFoundError, requireTool, resticRepoFor } from '@arkive/shared';
import type { AppDeps } from '../../../deps';

/** Params stay plain strings so that authorization runs before our own validation answers. */
export const backupParams = z.object({ runid: z.string(), id: z.string() });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The run's backup `id` (a Backup row of this run) with its repository, or 404 BACKUP_NOT_FOUND. */
export async function requireBackup(deps: AppDeps, runid: string, id: string) {
  const row = UUID.test(id)
    ? await deps.prisma.backup.findUnique({ where: { id }, include: { repo: true } })
    : null;
  if (!row || row.runId !== runid)
    throw new NotFoundError('BACKUP_NOT_FOUND', `Backup ${id} of run ${runid} not found`);
  return { row, repo: resticRepoFor(deps.config, row.repo.region) };
}

/** 503 TOOL_MISSING (naming `apt-get install -y restic`) instead of work that cannot succeed. */
export function requireRestic(): void {
  requireTool('restic');
}

export function presentBackup(
  runid: string,
  b: {
    id: string;
    snapshotId: string;
    time: Date;
    purpose: string;
    files: number;
    bytes: bigint;
    bytesAdded: bigint;
    repoId: string;
  },
) {
  return {
    id: b.id,
    snapshot_id: b.snapshotId,
    short_id: b.snapshotId.slice(0, 8),
    time: b.time.toISOString(),
    purpose: b.purpose,
    files: b.files,
    bytes: Number(b.bytes),
    bytes_added: Number(b.bytesAdded),
    region: b.repoId,
    tree_url: `/api/runs/${encodeURIComponent(runid)}/backups/${b.id}/tree`,
  };
}

/** The run's backup state: last backup, last edit, whether changes since the last backup would be lost. */
export function freshness(
  run: { lastBackupAt: Date | null; lastEditedAt: Date | null; backupRepoId: string | null },
  defaultRegion: string,
) {
  const stale = isStale(run);
  return {
    last_backup_at: run.lastBackupAt?.toISOString() ?? null,
    last_edited_at: run.lastEditedAt?.toISOString() ?? null,
    stale,
    warning: stale
      ? run.lastBackupAt
        ? 'The run changed after its last backup: changes since the last backup would be lost'
        : 'The run has never been backed up'
      : null,
    region: run.backupRepoId ?? defaultRegion,
  };
}
