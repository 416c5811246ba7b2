import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  ARCHIVES_DIR,
  createSnapshot,
  migrationSnapshot,
  progressPump,
  recordArchive,
  registerProcessor,
  requireUnlockedRunDir,
  sweepDeadPartials,
  verifyArchive,
  type migrationSnapshotPayload,
  type migrationSnapshotResult,
  type ProcessorContext,
} from '@arkive/shared';

type Payload = z.infer<typeof migrationSnapshotPayload>;
type Result = z.infer<typeof migrationSnapshotResult>;

/**
 * A migration's pre- or post-migration snapshot: a real archive in `<run>/archives/` made by the
 * snapshot engine, verified and recorded (kind pre-migration / post-migration). Runs as a child
 * operation of run-migration, on the parent's exclusive key.
 */
export async function processMigrationSnapshot(ctx: ProcessorContext<Payload>): Promise<Result> {
  const { runid, archiveKind } = ctx.payload;
  const done = await ctx.prisma.archive.findFirst({ where: { runId: runid, operationId: ctx.operation.id } });
  if (done)
    return { name: done.name, size: Number(done.size), sha256: done.sha256, fileCount: done.fileCount };
  const runDir = await requireUnlockedRunDir(ctx.config, ctx.redis, runid);
  if (ctx.job.stalledCounter > 0) await sweepDeadPartials(path.join(runDir, ARCHIVES_DIR), ctx.config.hostId);
  ctx.throwIfStopped();
  const pump = progressPump(ctx);
  let snap;
  try {
    snap = await createSnapshot({
      runDir,
      label: ctx.payload.label,
      kind: archiveKind,
      hostId: ctx.config.hostId,
      signal: ctx.signal,
      onProgress: (p) =>
        pump.send({
          stage: 'archiving',
          fraction: p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0,
          message: p.currentPath ? `Adding ${p.currentPath}` : undefined,
          current: p.bytesDone,
          total: p.bytesTotal,
          unit: 'bytes',
        }),
    });
  } finally {
    await pump.drain();
  }
  try {
    ctx.throwIfStopped();
    await ctx.enterStage('verifying', `Verifying ${snap.name} (${snap.fileCount} files, ${snap.size} bytes)`);
    await verifyArchive(snap.path, { signal: ctx.signal });
    ctx.throwIfStopped();
    await recordArchive(ctx.prisma, {
      runId: runid,
      name: snap.name,
      label: snap.label ?? null,
      size: snap.size,
      sha256: snap.sha256,
      fileCount: snap.fileCount,
      localPath: snap.path,
      kind: archiveKind,
      operationId: ctx.operation.id,
      createdBy: ctx.operation.createdBy,
      verifiedAt: new Date(),
    });
  } catch (err) {
    await fs.rm(snap.path, { force: true }).catch(() => undefined);
    throw err;
  }
  return { name: snap.name, size: snap.size, sha256: snap.sha256, fileCount: snap.fileCount };
}

export const migrationSnapshotProcessor = registerProcessor(migrationSnapshot, processMigrationSnapshot);
