import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  ACTIVE_STATUSES,
  AppError,
  ARCHIVE_NAME_PATTERN,
  ARCHIVES_DIR,
  NotFoundError,
  assertRunUnlocked as assertRunLockFree,
  requireRunDir,
  type Operation,
} from '@arkive/shared';
import type { AppDeps } from '../../../deps';

/** Params stay plain strings so that authorization runs before our own validation answers. */
export const runParams = z.object({ runid: z.string() });
export const archiveParams = z.object({ runid: z.string(), name: z.string() });

/** The run's directory; 404 RUN_NOT_FOUND unless it exists. */
export function requireRun(deps: AppDeps, runid: string): Promise<string> {
  return requireRunDir(deps.config.runsRoot, runid);
}

/** 409 RUN_LOCKED naming the lock files and Redis lock fields. */
export function assertRunUnlocked(deps: AppDeps, runid: string, runDir: string): Promise<void> {
  return assertRunLockFree(runDir, runid, deps.redis, deps.config.redisPrefix);
}

/** 400 INVALID_ARCHIVE_NAME unless `name` is a plain archive file name (never a path). */
export function assertArchiveName(name: unknown): string {
  if (typeof name !== 'string' || !ARCHIVE_NAME_PATTERN.test(name) || name.includes('..')) {
    throw new AppError(
      'INVALID_ARCHIVE_NAME',
      `Invalid archive name ${JSON.stringify(name)}: a file name ending in .zip (letters, digits, '_', '.', '+', '-')`,
      400,
    );
  }
  return name;
}

export function archiveFile(runDir: string, name: string): string {
  return path.join(runDir, ARCHIVES_DIR, assertArchiveName(name));
}

/** The archive file's stats, or 404 ARCHIVE_NOT_FOUND. */
export async function requireArchiveFile(runDir: string, runid: string, name: string) {
  const file = archiveFile(runDir, name);
  const st = await fs.lstat(file).catch(() => null);
  if (!st?.isFile())
    throw new NotFoundError('ARCHIVE_NOT_FOUND', `Archive ${name} not found in run ${runid}`);
  return { file, size: st.size, mtime: st.mtime };
}

/** The queued or running archive/restore operation of the run, if any (one at a time per run). */
export async function activeRunOperation(deps: AppDeps, runid: string): Promise<Operation | null> {
  return deps.prisma.operation.findFirst({
    where: { exclusiveKey: `run:${runid}`, status: { in: [...ACTIVE_STATUSES] } },
    orderBy: { createdAt: 'desc' },
  });
}

export function presentActive(op: Operation | null) {
  if (!op) return null;
  return {
    id: op.id,
    kind: op.kind,
    status: op.status,
    stage: op.stage,
    progressPercent: op.progressPercent,
    channel: op.channel,
  };
}

export { acceptedSchema as enqueuedSchema } from '@arkive/shared/contracts';
