import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  runLockStatus,
  runLocksKey,
  ConflictError,
  ShutdownError,
  CancelledError,
  classifyError,
  copyTargets,
  entryInside,
  errorCode,
  errorMessage,
  folderInside,
  markRunEdited,
  PermanentError,
  registerProcessor,
  releaseCopySnapshot,
  removeTree,
  requireRunDir,
  resticRepoFor,
  resticRestore,
  runCopyApply,
  runExists,
  runPath,
  type ProcessorContext,
  type runCopyApplyPayload,
  type runCopyApplyResult,
  syncTree,
} from '@arkive/shared';
import { checkTargets, placeTargets } from './place';

type Payload = z.infer<typeof runCopyApplyPayload>;
type Result = z.infer<typeof runCopyApplyResult>;

/** The temp folder a copy is prepared in: inside the destination run, so the final renames stay on its file system. */
export function copyStaging(destDir: string, copyId: string): string {
  return path.join(destDir, `.arkive-copy-${copyId}`);
}

/**
 * Applies one destination of a copy on the destination run's host: the paths are prepared in a
 * temp folder inside the destination run (a plain reflink-capable copy when the source run is on
 * this host, else `restic restore` of the copy snapshot), then renamed into `<destPath>/<name>`:
 * an existing target fails the copy with DESTINATION_EXISTS unless `force` replaces it.
 */
export async function processRunCopyApply(ctx: ProcessorContext<Payload>): Promise<Result> {
  const { copyId } = ctx.payload;
  const row = await ctx.prisma.pendingCopy.findUnique({ where: { id: copyId } });
  if (!row) throw new PermanentError(`Copy ${copyId} no longer exists`, 'COPY_NOT_FOUND');
  if (row.status === 'cancelled' || row.status === 'expired')
    throw new CancelledError(`This copy was ${row.status} before it was applied`);
  const claim = await ctx.prisma.pendingCopy.updateMany({
    where: { id: copyId, status: { in: ['pending', 'failed', 'applying'] } },
    data: {
      status: 'applying',
      attempts: { increment: 1 },
      applyOperationId: ctx.operation.id,
      error: null,
      errorCode: null,
    },
  });
  if (claim.count === 0) {
    const now = await ctx.prisma.pendingCopy.findUniqueOrThrow({ where: { id: copyId } });
    if (now.status === 'done') return { copyId, method: 'restic', placed: [], replaced: [] };
    throw new CancelledError(`This copy was ${now.status} before it was applied`);
  }
  try {
    const out = await applyCopy(ctx, row);
    await ctx.prisma.pendingCopy.update({
      where: { id: copyId },
      data: { status: 'done', finishedAt: new Date(), error: null, errorCode: null },
    });
    await ctx.report.status(
      `Copied ${out.placed.join(', ')} into ${row.destRunId}${out.replaced.length ? ` (replaced ${out.replaced.join(', ')})` : ''} by ${out.method}`,
    );
    await releaseCopySnapshot(ctx.prisma, ctx.config, row.operationId).catch((err: unknown) =>
      ctx.logger.warn({ err }, 'copy snapshot not forgotten yet; maintenance tries again'),
    );
    return out;
  } catch (err) {
    // A worker shutting down aborts the job too; the job runs again on restart, so the copy stays
    // pending (it is not the user's cancel).
    const shutdown = err instanceof ShutdownError || ctx.signal.reason instanceof ShutdownError;
    if (shutdown) {
      await ctx.prisma.pendingCopy.updateMany({
        where: { id: copyId, status: 'applying' },
        data: { status: 'pending' },
      });
      throw err;
    }
    const cancelled = err instanceof CancelledError || ctx.signal.reason instanceof CancelledError;
    const retrying =
      !cancelled && classifyError(err) === 'transient' && ctx.operation.attempt < ctx.operation.maxAttempts;
    await ctx.prisma.pendingCopy.updateMany({
      where: { id: copyId, status: 'applying' },
      data: {
        status: cancelled ? 'cancelled' : retrying ? 'pending' : 'failed',
        error: errorMessage(err),
        errorCode: cancelled ? 'CANCELLED' : errorCode(err),
        ...(retrying ? {} : { finishedAt: new Date() }),
      },
    });
    throw err;
  }
}

type Row = NonNullable<Awaited<ReturnType<ProcessorContext<Payload>['prisma']['pendingCopy']['findUnique']>>>;

async function applyCopy(ctx: ProcessorContext<Payload>, row: Row): Promise<Result> {
  const destDir = await requireRunDir(ctx.config.runsRoot, row.destRunId).catch(() => {
    throw new PermanentError(
      `Run ${row.destRunId} has no directory on host ${ctx.config.hostId}: start it first (POST /api/runs/${row.destRunId}/start restores it), then retry the copy`,
      'RUN_DATA_MISSING',
    );
  });
  await assertOnlyCopyLocks(ctx, destDir, row.destRunId);
  if (!(await folderInside(destDir, row.destPath)))
    throw new PermanentError(`${row.destPath} leads outside run ${row.destRunId}`, 'INVALID_PATH');
  const paths = row.paths as string[];
  const targets = copyTargets(paths, row.destPath);
  await checkTargets(destDir, targets, {
    errorOnExist: row.errorOnExist,
    force: row.force,
    runid: row.destRunId,
  });
  const staging = copyStaging(destDir, row.id);
  // The destination run is locked while the copy is applied (a move, restore or migration that
  // starts meanwhile is refused instead of racing the renames), and checked again right before them.
  const lockKey = runLocksKey(ctx.config.redisPrefix, row.destRunId);
  const lockField = `${COPY_LOCK_FIELD}:${row.id}`;
  await ctx.redis.hset(lockKey, lockField, `copy ${row.id}`);
  await removeTree(staging);
  await fs.mkdir(staging, { mode: 0o700 });
  try {
    const src = await ctx.prisma.run.findUnique({ where: { id: row.srcRunId }, select: { hostId: true } });
    const local = src?.hostId === ctx.config.hostId && (await runExists(ctx.config.runsRoot, row.srcRunId));
    let method: Result['method'];
    if (local) {
      method = 'plain-copy';
      await plainCopy(runPath(ctx.config.runsRoot, row.srcRunId), staging, paths);
    } else {
      if (!row.snapshotId || !row.repoId)
        throw new PermanentError(
          `Run ${row.srcRunId} is not on this host (${ctx.config.hostId}) and the copy has no snapshot of it`,
          'COPY_SNAPSHOT_MISSING',
        );
      method = 'restic';
      await ctx.report.status(
        `Restoring ${paths.join(', ')} from copy snapshot ${row.snapshotId.slice(0, 8)}`,
      );
      await resticRestore(resticRepoFor(ctx.config, row.repoId), row.snapshotId, staging, {
        paths,
        bytesTotal: 0,
        signal: ctx.signal,
      });
      for (const p of paths)
        if (!(await fs.lstat(path.join(staging, p)).catch(() => null)))
          throw new PermanentError(`${p} is not in the copy snapshot`, 'PATH_NOT_IN_BACKUP', { path: p });
    }
    ctx.throwIfStopped();
    await ctx.report.progress({ stage: 'applying', fraction: 0.9, message: 'Renaming into place' });
    await syncTree(staging); // on disk before it replaces anything
    await assertOnlyCopyLocks(ctx, destDir, row.destRunId);
    const { placed, replaced } = await placeTargets(destDir, staging, targets, row.force);
    await markRunEdited(ctx.prisma, row.destRunId);
    return { copyId: row.id, method, placed, replaced };
  } finally {
    await removeTree(staging);
    await ctx.redis.hdel(lockKey, lockField).catch(() => undefined);
  }
}

const COPY_LOCK_FIELD = 'arkive-copy';

/** RUN_LOCKED when anything but copies holds the run (lock files, a move, a user's Redis lock). */
async function assertOnlyCopyLocks(ctx: ProcessorContext<Payload>, destDir: string, runid: string) {
  const lock = await runLockStatus(destDir, ctx.redis, ctx.config.redisPrefix, runid);
  const others = lock.redisLocks.filter((f) => !f.startsWith(`${COPY_LOCK_FIELD}:`));
  if (lock.lockFiles.length || others.length)
    throw new ConflictError(
      'RUN_LOCKED',
      `Run ${runid} was locked while the copy was prepared (${[...lock.lockFiles, ...others].join(', ')}); nothing was placed: retry the copy when it is released`,
    );
}

/**
 * Same host: `fs.cp` of each path (recursive, timestamps kept, symlinks as links, reflinks where
 * the file system has them via COPYFILE_FICLONE) into the staging folder.
 */
export async function plainCopy(srcDir: string, staging: string, paths: string[]): Promise<void> {
  for (const p of paths) {
    const where = await entryInside(srcDir, p);
    if (where !== 'ok')
      throw new PermanentError(
        where === 'missing' ? `${p} does not exist in the source run` : `${p} leads outside the source run`,
        'PATH_NOT_FOUND',
        { path: p },
      );
    const to = path.join(staging, p);
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.cp(path.join(srcDir, p), to, {
      recursive: true,
      preserveTimestamps: true,
      verbatimSymlinks: true,
      errorOnExist: true,
      force: false,
      mode: fs.constants.COPYFILE_FICLONE,
    });
  }
}

export const runCopyApplyProcessor = registerProcessor(runCopyApply, processRunCopyApply);
