import path from 'node:path';
import {
  MOVE_LOCK_FIELD,
  copiesWaitingFor,
  runLockStatus,
  ConflictError,
  ARCHIVES_DIR,
  assertMovePossible,
  assertRunUnlocked,
  backupDir,
  ensureRepoRow,
  ensureResticRepo,
  isStale,
  lockRunForMove,
  progressPump,
  recoverAfterCrash,
  refreshLastEdited,
  registerProcessor,
  requireRunDir,
  resticRepoFor,
  ResticLockedError,
  runMove,
  runRepoId,
  ShutdownError,
  treeStats,
  unlockRunForMove,
  type ProcessorContext,
  type RunMoveCheckpoint,
  type RunMovePayload,
} from '@arkive/shared';
import { recordBackup } from '../record-backup';
import { REPO_BUSY_RETRY_MS } from '../run-backup/processor';

type Ctx = ProcessorContext<RunMovePayload>;
interface Backup {
  id: string;
  snapshotId: string;
  time: Date;
}

/** Bytes of the run the destination must hold: the run, with archives/ when they go too. */
async function bytesToMove(runDir: string, includeArchives: boolean): Promise<number> {
  const all = await treeStats(runDir);
  if (includeArchives) return all.sizeBytes;
  const archives = await treeStats(path.join(runDir, ARCHIVES_DIR)).catch(() => ({ sizeBytes: 0 }));
  return all.sizeBytes - archives.sizeBytes;
}

/** A backup of the run for the move (restic through the run-backup machinery), recorded as a backups row. */
async function backUp(ctx: Ctx, runDir: string): Promise<Backup> {
  const { runid, includeArchives } = ctx.payload;
  const repoId = await runRepoId(ctx.prisma, ctx.config, runid);
  const row = await ensureRepoRow(ctx.prisma, ctx.config, repoId);
  const repo = resticRepoFor(ctx.config, row.region);
  await ensureResticRepo(repo, ctx.signal);
  const cp = ctx.checkpoint as { backupStarted?: boolean };
  if (cp.backupStarted)
    for (const line of await recoverAfterCrash(repo, ctx.signal))
      await ctx.report.status(`Repository: ${line}`);
  await ctx.saveCheckpoint({ backupStarted: true });
  const pump = progressPump(ctx);
  let summary;
  try {
    summary = await backupDir(repo, runDir, {
      runid,
      purpose: 'move',
      includeArchives,
      signal: ctx.signal,
      onProgress: (p) =>
        pump.send({
          stage: 'backing-up',
          fraction: p.fraction,
          current: p.bytesDone,
          total: p.bytesTotal,
          unit: 'bytes',
        }),
    });
  } catch (err) {
    await pump.drain();
    if (err instanceof ResticLockedError) {
      await ctx.saveCheckpoint({ backupStarted: false });
      return ctx.postpone(REPO_BUSY_RETRY_MS, 'Waiting for the repository: an exclusive operation holds it');
    }
    throw err;
  }
  await pump.drain();
  const { backup, snap } = await recordBackup(ctx, { repo, repoId, runid, purpose: 'move', summary });
  await ctx.report.status(
    `Backed up ${summary.totalFiles} files (${summary.totalBytes} bytes${includeArchives ? ', archives/ included' : ''}): snapshot ${snap.short_id}`,
  );
  return backup;
}

/**
 * The source host's part of a move: validate (again, with the run's real size), lock the run
 * (exclusive key + a Redis lock field), back up when the last backup is older than the last edit
 * (or archives/ go too), then place the run on the destination. Any failure here unlocks and
 * leaves the run where it was, unchanged.
 */
export async function processMoveOut(ctx: Ctx): Promise<void> {
  const { runid, destHostId, sourceHostId, includeArchives } = ctx.payload;
  const opId = ctx.operation.id;
  try {
    await ctx.enterStage(
      'validating',
      `Validating the move of ${runid} from ${sourceHostId} to ${destHostId}`,
    );
    await ctx.saveCheckpoint({ reverted: false } satisfies RunMoveCheckpoint);
    const runDir = await requireRunDir(ctx.config.runsRoot, runid);
    const run = await ctx.prisma.run.findUniqueOrThrow({ where: { id: runid } });
    if (run.hostId !== sourceHostId)
      throw new Error(
        `Run ${runid} is on host ${run.hostId}, not ${sourceHostId} as when the move was asked for`,
      );
    const bytes = await bytesToMove(runDir, includeArchives);
    const { status } = await assertMovePossible(ctx.prisma, ctx.config, {
      runid,
      destHostId,
      bytesNeeded: bytes,
    });
    await ctx.report.status(
      `Destination ${destHostId} is ${status}${status === 'offline' ? ': its part waits for it in its queue' : ''}; ${bytes} bytes to move`,
    );

    await ctx.enterStage('locking', `Locking run ${runid} against new work`);
    // a resumed move (after a worker stopped) finds its own lock field: only other locks count
    await unlockRunForMove(ctx.redis, ctx.config.redisPrefix, runid, opId);
    await assertRunUnlocked(runDir, runid, ctx.redis, ctx.config.redisPrefix);
    await lockRunForMove(ctx.redis, ctx.config.redisPrefix, runid, opId);
    // A copy into the run that started applying between the check and the lock: refuse now,
    // before anything changed (its files would land in the source copy and go with it).
    const racing = (await runLockStatus(runDir, ctx.redis, ctx.config.redisPrefix, runid)).redisLocks.filter(
      (f) => f !== MOVE_LOCK_FIELD,
    );
    const waiting = await copiesWaitingFor(ctx.prisma, runid);
    if (racing.length || waiting)
      throw new ConflictError(
        'RUN_LOCKED',
        `Run ${runid} is being changed (${racing.length ? racing.join(', ') : `${waiting} copies into it to apply`}); the move changed nothing: retry it when that is done`,
      );

    await ctx.enterStage('backing-up', 'Checking whether a backup is needed');
    const lastEdited = await refreshLastEdited(ctx.prisma, runid, runDir);
    const fresh = await ctx.prisma.run.findUniqueOrThrow({ where: { id: runid } });
    const newest = await ctx.prisma.backup.findFirst({ where: { runId: runid }, orderBy: { time: 'desc' } });
    let backup: Backup;
    let backedUp = false;
    if (includeArchives || !newest || isStale(fresh)) {
      await ctx.report.status(
        includeArchives
          ? 'Backing up with archives/ (local snapshots are never in ordinary backups)'
          : newest
            ? `The last backup (${newest.time.toISOString()}) is older than the last edit (${lastEdited?.toISOString()}): backing up`
            : 'The run has no backup yet: backing up',
      );
      backup = await backUp(ctx, runDir);
      backedUp = true;
    } else {
      backup = newest;
      await ctx.report.status(
        `No backup needed: the last backup (${newest.time.toISOString()}, snapshot ${newest.snapshotId.slice(0, 8)}) is newer than the last edit`,
      );
    }
    await ctx.saveCheckpoint({
      backupId: backup.id,
      snapshotId: backup.snapshotId,
      backedUp,
    } satisfies RunMoveCheckpoint);

    await ctx.enterStage('placing', `Placing run ${runid} on host ${destHostId}`);
    const { count } = await ctx.prisma.run.updateMany({
      where: { id: runid, hostId: sourceHostId },
      data: { hostId: destHostId },
    });
    if (count !== 1) throw new Error(`Run ${runid} left host ${sourceHostId} meanwhile; not placed`);
    await ctx.saveCheckpoint({ placed: true } satisfies RunMoveCheckpoint);
    await ctx.report.status(
      `Run ${runid} is placed on ${destHostId}; the source copy stays until the destination verified`,
    );
  } catch (err) {
    if (!(err instanceof ShutdownError))
      await unlockRunForMove(ctx.redis, ctx.config.redisPrefix, runid, opId);
    throw err;
  }
}

export const moveOutProcessor = registerProcessor(runMove, processMoveOut);
