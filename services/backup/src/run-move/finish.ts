import fs from 'node:fs/promises';
import path from 'node:path';
import {
  ARCHIVES_DIR,
  PermanentError,
  registerProcessor,
  runMove,
  runPath,
  treeStats,
  unlockRunForMove,
  type ProcessorContext,
  type RunMoveCheckpoint,
  type RunMovePayload,
} from '@arkive/shared';

type Ctx = ProcessorContext<RunMovePayload>;

/**
 * Back on the source host once the destination verified its copy: remove the source copy (one
 * rename aside, then the removal; archives/ with it unless they were moved), bring the archive
 * records in line (moved ones point at the destination, local-only ones that stayed behind are
 * gone), then unlock. The lock is released even when the removal fails: the run lives on the
 * destination by then, and a retry only removes the leftover source copy.
 */
export async function processMoveFinish(ctx: Ctx) {
  const { runid, sourceHostId, destHostId, includeArchives } = ctx.payload;
  const cp = ctx.checkpoint as RunMoveCheckpoint & { sourceFiles?: number; sourceBytes?: number };
  try {
    await ctx.enterStage('removing-source', `Removing the source copy of ${runid} on ${sourceHostId}`);
    await assertStillThisMove(ctx);
    const dir = runPath(ctx.config.runsRoot, runid);
    const aside = path.join(ctx.config.runsRoot, `.${runid}.moved-${ctx.operation.id}`);
    if (await fs.lstat(dir).catch(() => null)) {
      const stats = await treeStats(dir);
      await ctx.saveCheckpoint({ sourceFiles: stats.fileCount, sourceBytes: stats.sizeBytes });
      await fs.rename(dir, aside);
    }
    await fs.rm(aside, { recursive: true, force: true });

    const dest = await ctx.prisma.host.findUnique({ where: { id: destHostId }, select: { runsRoot: true } });
    const archives = await ctx.prisma.archive.findMany({ where: { runId: runid, localPath: { not: null } } });
    let archivesMoved = 0;
    let archivesRemoved = 0;
    for (const a of archives) {
      if (includeArchives && dest) {
        await ctx.prisma.archive.update({
          where: { id: a.id },
          data: { localPath: path.join(runPath(dest.runsRoot, runid), ARCHIVES_DIR, a.name) },
        });
        archivesMoved++;
      } else if (a.bucketKey) {
        await ctx.prisma.archive.update({ where: { id: a.id }, data: { localPath: null } });
      } else {
        await ctx.prisma.archive.delete({ where: { id: a.id } });
        archivesRemoved++;
      }
    }
    await ctx.report.status(
      `Removed the source copy on ${sourceHostId}${includeArchives ? ` (${archivesMoved} local snapshots moved)` : archivesRemoved ? ` and its ${archivesRemoved} local snapshots (not moved)` : ''}`,
    );

    await ctx.enterStage('unlocking', `Unlocking run ${runid}`);
    await unlockRunForMove(ctx.redis, ctx.config.redisPrefix, runid, ctx.operation.id);
    const backup = await ctx.prisma.backup.findUniqueOrThrow({ where: { id: cp.backupId ?? '' } });
    await ctx.report.status(`Run ${runid} moved from ${sourceHostId} to ${destHostId}`);
    return {
      from: sourceHostId,
      to: destHostId,
      backupId: backup.id,
      snapshotId: backup.snapshotId,
      backedUp: Boolean(cp.backedUp),
      files: (ctx.checkpoint.sourceFiles as number | undefined) ?? backup.files,
      bytes: (ctx.checkpoint.sourceBytes as number | undefined) ?? Number(backup.bytes),
      archivesMoved,
      archivesRemoved,
    };
  } finally {
    await unlockRunForMove(ctx.redis, ctx.config.redisPrefix, runid, ctx.operation.id);
  }
}

/**
 * A retry of an old move must never remove a live run: the source copy is removed only while the
 * run is still placed on this move's destination and no later move of it was started (a later
 * move back to the source makes the "source copy" the run itself).
 */
async function assertStillThisMove(ctx: Ctx): Promise<void> {
  const { runid, destHostId } = ctx.payload;
  const run = await ctx.prisma.run.findUnique({ where: { id: runid }, select: { hostId: true } });
  const later = await ctx.prisma.operation.count({
    where: {
      kind: runMove.kind,
      scopeId: runid,
      id: { not: ctx.operation.id },
      createdAt: { gt: ctx.operation.createdAt },
    },
  });
  if (!run || run.hostId !== destHostId || later > 0)
    throw new PermanentError(
      `Run ${runid} ${!run ? 'no longer exists' : run.hostId !== destHostId ? `is placed on ${run.hostId ?? 'no host'} now, not on ${destHostId}` : 'was moved again since'}: this move is superseded and removes nothing`,
      'MOVE_SUPERSEDED',
    );
}

export const moveFinishProcessor = registerProcessor(runMove, processMoveFinish, {
  stage: 'removing-source',
});
