import { z } from 'zod';
import { channels, isStale, isValidRunId, runExists, runLockStatus, runPath, type Run } from '@arkive/shared';
import { runRoleSchema, type RunBackupStatus } from '@arkive/shared/contracts';
import type { AppDeps } from '../../deps';
import { runHealth } from './health';

export const runIdSchema = z
  .string()
  .refine(isValidRunId, "runid: 1-128 letters, digits, '_', '.' or '-', starting with a letter or digit");
export const runIdParams = z.object({ runid: runIdSchema });
export { memberSchema, runSchema } from '@arkive/shared/contracts';
export const roleSchema = runRoleSchema;

export function backupStatus(
  run: Pick<Run, 'lastBackupAt' | 'lastEditedAt' | 'backupRepoId'>,
  defaultRegion: string,
): RunBackupStatus {
  return {
    last_backup_at: run.lastBackupAt?.toISOString() ?? null,
    last_edited_at: run.lastEditedAt?.toISOString() ?? null,
    state: !run.lastBackupAt ? 'never' : isStale(run) ? 'stale' : 'fresh',
    region: run.backupRepoId ?? defaultRegion,
    backupRepoId: run.backupRepoId,
  };
}

export async function presentRun(
  deps: AppDeps,
  run: Run,
  memberRole: z.infer<typeof roleSchema> | null,
  isAdmin: boolean,
  withLock = true,
) {
  const exists = await runExists(deps.config.runsRoot, run.id);
  const lock = !withLock
    ? null
    : exists
      ? await runLockStatus(
          runPath(deps.config.runsRoot, run.id),
          deps.redis,
          deps.config.redisPrefix,
          run.id,
        )
      : { locked: false, lockFiles: [], redisLocks: [] };
  const health = withLock ? await runHealth(deps, run.id, exists) : null;
  return {
    runid: run.id,
    role: isAdmin ? ('owner' as const) : memberRole!,
    memberRole,
    createdAt: run.createdAt.toISOString(),
    createdBy: run.createdBy,
    exists,
    lock,
    health,
    channel: channels.runArchive(run.id),
    host_id: run.hostId,
    backup: backupStatus(run, deps.config.backup.defaultRegion),
  };
}
