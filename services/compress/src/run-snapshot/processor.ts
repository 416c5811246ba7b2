import {
  ARCHIVES_DIR,
  createSnapshot,
  recordArchive,
  registerProcessor,
  verifyArchive,
  progressPump,
  workFraction,
  requireUnlockedRunDir,
  sweepDeadPartials,
  runSnapshot,
  type ArchiveProgress,
  type ProcessorContext,
  type ProgressUpdate,
} from '@arkive/shared';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import type { runSnapshotPayload, runSnapshotResult } from '@arkive/shared';

type Payload = z.infer<typeof runSnapshotPayload>;
type Result = z.infer<typeof runSnapshotResult>;

function snapshotUpdate(p: ArchiveProgress): ProgressUpdate {
  const frac = workFraction(p);
  const percent = p.stage === 'scanning' ? 0 : p.stage === 'compressing' ? Math.min(95, frac * 95) : 96;
  const message = p.currentPath
    ? `Adding ${p.currentPath}`
    : p.stage === 'scanning'
      ? 'Scanning the run'
      : p.stage === 'finalizing' || p.stage === 'done'
        ? // a summary line: 'Adding' lines are throttled, and a fast run may have none
          `Added ${p.filesDone} files (${p.bytesDone} bytes)${p.stage === 'finalizing' ? ', finalizing the archive' : ''}`
        : undefined;
  return { stage: 'archiving', percent, message, current: p.bytesDone, total: p.bytesTotal, unit: 'bytes' };
}

/** Run snapshot: a ZIP of the run (without archives/) in `<run>/archives/`, recorded in the Archive table. */
export async function processRunSnapshot(ctx: ProcessorContext<Payload>): Promise<Result> {
  const { runid, label } = ctx.payload;
  // A retry after the archive was already recorded (e.g. the job was lost after the DB write) returns it.
  const done = await ctx.prisma.archive.findFirst({ where: { runId: runid, operationId: ctx.operation.id } });
  if (done)
    return { name: done.name, size: Number(done.size), sha256: done.sha256, fileCount: done.fileCount };

  const runDir = await requireUnlockedRunDir(ctx.config, ctx.redis, ctx.payload.runid);
  if (ctx.job.stalledCounter > 0) {
    // The worker that ran this job died: its unfinished archive goes now (not after 10 minutes).
    const left = await sweepDeadPartials(path.join(runDir, ARCHIVES_DIR), ctx.config.hostId);
    const bytes = left.reduce((a, f) => a + f.size, 0);
    // (The worker itself logs that the previous run stopped and this one resumes.)
    if (left.length)
      await ctx.report.log(
        'INFO',
        `Removed the unfinished archive the stopped worker left behind (${bytes} bytes)`,
      );
  }
  ctx.throwIfStopped();
  const pump = progressPump(ctx);
  let snap;
  try {
    snap = await createSnapshot({
      runDir,
      label,
      kind: 'snapshot',
      hostId: ctx.config.hostId,
      signal: ctx.signal,
      onProgress: (p) => pump.send(snapshotUpdate(p)),
    });
  } finally {
    await pump.drain();
  }
  try {
    ctx.throwIfStopped();
    await ctx.report.setStage(
      'verifying',
      `Verifying ${snap.name} (${snap.fileCount} files, ${snap.size} bytes)`,
      97,
    );
    await verifyArchive(snap.path, { signal: ctx.signal });
    ctx.throwIfStopped();
    if (snap.skippedLinkCount)
      await ctx.report.status(
        `Skipped ${snap.skippedLinkCount} symlink(s) pointing outside the run: ${snap.skippedLinks.slice(0, 20).join(', ')}`,
        'WARNING',
      );
    await recordArchive(ctx.prisma, {
      runId: runid,
      name: snap.name,
      label: snap.label ?? label ?? null,
      size: snap.size,
      sha256: snap.sha256,
      fileCount: snap.fileCount,
      localPath: path.join(runDir, ARCHIVES_DIR, snap.name),
      kind: snap.kind,
      operationId: ctx.operation.id,
      createdBy: ctx.operation.createdBy,
      verifiedAt: new Date(),
    });
  } catch (err) {
    // Nothing half-done stays visible: an archive that was cancelled, failed verification or
    // could not be recorded is removed (a retry writes a new one).
    await fs.rm(snap.path, { force: true }).catch(() => undefined);
    throw err;
  }
  return { name: snap.name, size: snap.size, sha256: snap.sha256, fileCount: snap.fileCount };
}

export const runSnapshotProcessor = registerProcessor(runSnapshot, processRunSnapshot);
