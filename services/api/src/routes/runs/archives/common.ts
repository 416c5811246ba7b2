import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  ACTIVE_STATUSES,
  AppError,
  ARCHIVE_NAME_PATTERN,
  ARCHIVES_DIR,
  channelFor,
  ConflictError,
  isValidRunId,
  NotFoundError,
  runLockStatus,
  runPath,
  type Operation,
} from '@arkive/shared';
import type { AppDeps } from '../../../deps';

/** Params stay plain strings so that authorization runs before our own validation answers. */
export const runParams = z.object({ runid: z.string() });
export const archiveParams = z.object({ runid: z.string(), name: z.string() });

/** The run's directory; 404 RUN_NOT_FOUND unless it exists (an invalid id is just a run that cannot exist). */
export async function requireRun(deps: AppDeps, runid: string): Promise<string> {
  if (!isValidRunId(runid))
    throw new NotFoundError('RUN_NOT_FOUND', `Run ${JSON.stringify(runid)} not found`);
  const dir = runPath(deps.config.runsRoot, runid);
  const st = await fs.stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new NotFoundError('RUN_NOT_FOUND', `Run ${runid} not found`);
  return dir;
}

/** 409 RUN_LOCKED naming the lock files and Redis lock fields. */
export async function assertRunUnlocked(deps: AppDeps, runid: string, runDir: string): Promise<void> {
  const lock = await runLockStatus(runDir, deps.redis, deps.config.redisPrefix, runid);
  if (!lock.locked) return;
  const parts = [
    lock.lockFiles.length ? `lock files: ${lock.lockFiles.join(', ')}` : '',
    lock.redisLocks.length ? `Redis locks: ${lock.redisLocks.join(', ')}` : '',
  ].filter(Boolean);
  throw new ConflictError('RUN_LOCKED', `Run ${runid} is locked (${parts.join('; ')})`, {
    lockFiles: lock.lockFiles,
    redisLocks: lock.redisLocks,
  });
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
    channel: channelFor(op),
  };
}

export const enqueuedSchema = z.object({ operationId: z.string(), channel: z.string(), status: z.string() });
