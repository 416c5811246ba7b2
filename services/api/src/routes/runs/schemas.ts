import { z } from 'zod';
import { isValidRunId, runExists, runLockStatus, runPath, type Run } from '@arkive/shared';
import type { AppDeps } from '../../deps';

export const runIdSchema = z
  .string()
  .refine(isValidRunId, "runid: 1-128 letters, digits, '_', '.' or '-', starting with a letter or digit");
export const runIdParams = z.object({ runid: runIdSchema });
export const roleSchema = z.enum(['viewer', 'collaborator', 'owner']);

export const runSchema = z.object({
  runid: z.string(),
  /** The role you act with (admins: owner). */
  role: roleSchema,
  /** Your membership role; null for an administrator who is not a member. */
  memberRole: roleSchema.nullable(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  exists: z.boolean(),
  /** Null only when the list was asked for `lock=false` (lock files are found by walking the run's tree). */
  lock: z
    .object({ locked: z.boolean(), lockFiles: z.array(z.string()), redisLocks: z.array(z.string()) })
    .nullable(),
});

export const memberSchema = z.object({
  username: z.string(),
  userId: z.number().int(),
  role: roleSchema,
  createdAt: z.string(),
});

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
  return {
    runid: run.id,
    role: isAdmin ? ('owner' as const) : memberRole!,
    memberRole,
    createdAt: run.createdAt.toISOString(),
    createdBy: run.createdBy,
    exists,
    lock,
  };
}
