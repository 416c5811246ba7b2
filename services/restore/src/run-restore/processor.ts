import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  ARCHIVES_DIR,
  PermanentError,
  registerProcessor,
  restoreArchive,
  runExists,
  runLockStatus,
  runPath,
  runRestore,
  type ArchiveProgress,
  type ProcessorContext,
  type ProgressUpdate,
  type runRestorePayload,
  type runRestoreResult,
} from '@arkive/shared';

type Payload = z.infer<typeof runRestorePayload>;
type Result = z.infer<typeof runRestoreResult>;

async function readyRunDir(ctx: ProcessorContext<Payload>): Promise<string> {
  const { runid } = ctx.payload;
  const runDir = runPath(ctx.config.runsRoot, runid);
  if (!(await runExists(ctx.config.runsRoot, runid)))
    throw new PermanentError(`Run ${runid} does not exist`, 'RUN_NOT_FOUND');
  const lock = await runLockStatus(runDir, ctx.redis, ctx.config.redisPrefix, runid);
  if (lock.locked) {
    const parts = [
      lock.lockFiles.length ? `lock files: ${lock.lockFiles.join(', ')}` : '',
      lock.redisLocks.length ? `Redis locks: ${lock.redisLocks.join(', ')}` : '',
    ].filter(Boolean);
    throw new PermanentError(
      `Run ${runid} is locked (${parts.join('; ')}); try again when it is released`,
      'RUN_LOCKED',
      {
        lockFiles: lock.lockFiles,
        redisLocks: lock.redisLocks,
      },
    );
  }
  return runDir;
}

/** Feeds the engine's synchronous progress callbacks to the reporter in order, percent never going back. */
function progressPump(ctx: ProcessorContext<Payload>) {
  let last = 0;
  const queued: ProgressUpdate[] = [];
  let running: Promise<void> | null = null;
  let stage = ctx.report.currentStage;
  const run = async () => {
    for (let u = queued.shift(); u; u = queued.shift()) {
      try {
        // The last throttled line of a stage goes out before the next stage's first line.
        if (u.stage !== stage) await ctx.report.flush();
        stage = u.stage;
        await ctx.report.progress(u);
      } catch (err) {
        ctx.logger.warn({ err }, 'progress report failed');
      }
    }
    running = null;
  };
  return {
    send(u: ProgressUpdate) {
      if (u.percent !== undefined) u.percent = last = Math.max(last, Math.min(100, u.percent));
      // While a report is in flight, a newer update of the same stage replaces the waiting one
      // (the reporter throttles lines anyway); stage changes are never dropped.
      const tail = queued.at(-1);
      if (tail && tail.stage === u.stage) queued[queued.length - 1] = u;
      else queued.push(u);
      running ??= run();
    },
    async drain() {
      while (running) await running;
      await ctx.report.flush();
    },
  };
}

function restoreUpdate(p: ArchiveProgress): ProgressUpdate | null {
  const frac =
    p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.filesTotal > 0 ? p.filesDone / p.filesTotal : 0;
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
        percent: 86,
        message: 'Snapshotting the current content before replacing it',
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
  const runDir = await readyRunDir(ctx);
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
      signal: ctx.signal,
      onProgress: (p) => {
        // The engine checks the signal for the last time before it swaps: from here the restore
        // happens, so a late cancel must not report it as cancelled.
        if (p.stage === 'swapping') ctx.commit();
        const u = restoreUpdate(p);
        if (u) pump.send(u);
      },
    });
  } finally {
    await pump.drain();
  }
  const pre = result.preRestoreArchive;
  if (pre) {
    // The swap is done (and committed): record the pre-restore archive.
    await ctx.prisma.run.upsert({
      where: { id: runid },
      create: { id: runid, createdBy: ctx.operation.createdBy },
      update: {},
    });
    const data = {
      label: pre.label ?? `before restoring ${archiveName}`,
      size: BigInt(pre.size),
      sha256: pre.sha256,
      fileCount: pre.fileCount,
      localPath: path.join(runDir, ARCHIVES_DIR, pre.name),
      kind: 'pre-restore',
      operationId: ctx.operation.id,
    };
    await ctx.prisma.archive.upsert({
      where: { runId_name: { runId: runid, name: pre.name } },
      create: { runId: runid, name: pre.name, ...data },
      update: data,
    });
    await ctx.report.status(`The previous content was saved as ${pre.name}`);
  }
  return { filesRestored: result.filesRestored, ...(pre ? { preRestoreArchive: pre.name } : {}) };
}

export const runRestoreProcessor = registerProcessor(runRestore, processRunRestore);
