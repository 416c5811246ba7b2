import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  ARCHIVES_DIR,
  PermanentError,
  recordArchive,
  registerProcessor,
  restoreArchive,
  progressPump,
  workFraction,
  assertRunUnlocked,
  markRunEdited,
  requireUnlockedRunDir,
  runRestore,
  type ArchiveProgress,
  type ProcessorContext,
  type ProgressUpdate,
  type runRestorePayload,
  type runRestoreResult,
} from '@arkive/shared';

type Payload = z.infer<typeof runRestorePayload>;
type Result = z.infer<typeof runRestoreResult>;

function restoreUpdate(p: ArchiveProgress): ProgressUpdate | null {
  const frac = workFraction(p);
  switch (p.stage) {
    case 'extracting':
      return {
        stage: 'restoring',
        percent: frac * 85,
        message: p.currentPath ? `Restored file ${p.currentPath}` : undefined,
        current: p.bytesDone,
        total: p.bytesTotal,
        unit: 'bytes',
      };
    case 'pre-restore-snapshot':
      return {
        stage: 'pre-restore-snapshot',
        percent: 85 + frac * 10,
        message: p.currentPath ? undefined : 'Snapshotting the current content before replacing it',
        current: p.bytesDone,
        total: p.bytesTotal,
        unit: 'bytes',
      };
    case 'swapping':
      return { stage: 'swapping', percent: 95, message: 'Swapping the restored content into place' };
    case 'done':
      return {
        stage: 'swapping',
        percent: 98,
        message: `Restored ${p.filesDone} files`,
        current: p.bytesDone,
        total: p.bytesTotal,
        unit: 'bytes',
      };
    default:
      return null;
  }
}

/**
 * Run restore: replaces everything in the run except archives/ with the archive's content. The
 * engine checks the whole archive first, extracts into staging, verifies, optionally snapshots the
 * current content (kind pre-restore), then swaps; any failure leaves the run as it was.
 */
export async function processRunRestore(ctx: ProcessorContext<Payload>): Promise<Result> {
  const { runid, archiveName } = ctx.payload;
  const preRestoreSnapshot = ctx.payload.preRestoreSnapshot ?? true;
  const runDir = await requireUnlockedRunDir(ctx.config, ctx.redis, ctx.payload.runid);
  const archivePath = path.join(runDir, ARCHIVES_DIR, archiveName);
  const st = await fs.lstat(archivePath).catch(() => null);
  if (!st?.isFile())
    throw new PermanentError(`Archive ${archiveName} not found in run ${runid}`, 'ARCHIVE_NOT_FOUND');
  ctx.throwIfStopped();
  await ctx.report.setStage('restoring', `Restoring ${archiveName}`, 0);
  const pump = progressPump(ctx);
  let result;
  try {
    result = await restoreArchive({
      runDir,
      archivePath,
      preRestoreSnapshot,
      allowEmpty: ctx.payload.allowEmpty ?? false,
      hostId: ctx.config.hostId,
      // Locks are checked again right before the swap and during it: a lock taken while the
      // archive was being extracted refuses the restore and leaves the run as it is.
      assertUnlocked: (dir) => assertRunUnlocked(dir, runid, ctx.redis, ctx.config.redisPrefix),
      signal: ctx.signal,
      // The worker records each stage before the engine does anything there: the swap is declared
      // uncancellable, so a cancel arriving once it began is refused instead of being ignored.
      beforeStage: async (stage) => {
        await pump.drain();
        await ctx.enterStage(
          stage,
          stage === 'swapping'
            ? 'Swapping the restored content into place'
            : 'Snapshotting the current content before replacing it',
        );
      },
      onProgress: (p) => {
        const u = restoreUpdate(p);
        if (u) pump.send(u);
      },
    });
  } finally {
    await pump.drain();
  }
  // freshness (issue 13): the run changed now
  await markRunEdited(ctx.prisma, runid);
  const pre = result.preRestoreArchive;
  if (pre) {
    // The swap is done (and committed): record the pre-restore archive.
    await recordArchive(ctx.prisma, {
      runId: runid,
      name: pre.name,
      label: pre.label ?? `before restoring ${archiveName}`,
      size: pre.size,
      sha256: pre.sha256,
      fileCount: pre.fileCount,
      localPath: path.join(runDir, ARCHIVES_DIR, pre.name),
      kind: 'pre-restore',
      operationId: ctx.operation.id,
      createdBy: ctx.operation.createdBy,
    });
    await ctx.report.status(`The previous content was saved as ${pre.name}`);
  }
  return { filesRestored: result.filesRestored, ...(pre ? { preRestoreArchive: pre.name } : {}) };
}

export const runRestoreProcessor = registerProcessor(runRestore, processRunRestore);
