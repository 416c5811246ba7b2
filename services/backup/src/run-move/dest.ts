import fs from 'node:fs/promises';
import path from 'node:path';
import {
  ARCHIVES_DIR,
  fillWhole,
  listTree,
  lockRunForMove,
  markRunEdited,
  PermanentError,
  progressPump,
  registerProcessor,
  resticRepoFor,
  restoreMissingRun,
  revertMovePlacement,
  runMove,
  runPath,
  ShutdownError,
  unlockRunForMove,
  type BackupRestoreProgress,
  type ProcessorContext,
  type ResticRepo,
  type RunMoveCheckpoint,
  type RunMovePayload,
} from '@arkive/shared';

type Ctx = ProcessorContext<RunMovePayload>;

/** Every file (and symlink) under `dir` with its size, paths relative to `dir`. */
async function listLocal(dir: string, skipTop?: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  async function walk(rel: string) {
    for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && e.name === skipTop) continue;
      if (e.isDirectory()) await walk(p);
      else out.set(p, e.isFile() ? (await fs.lstat(path.join(dir, p))).size : 0);
    }
  }
  await walk('');
  return out;
}

/**
 * The destination's file list and sizes against the snapshot's (`restic ls`); the content itself
 * was checked by `restic restore --verify`. Any missing, extra or different-size file fails
 * (MOVE_VERIFY_FAILED, naming the first ones).
 */
export async function verifyAgainstSnapshot(
  repo: ResticRepo,
  snapshotId: string,
  dir: string,
  opts: { includeArchives: boolean; signal?: AbortSignal },
) {
  const inSnapshot = new Map<string, number>();
  for (const e of await listTree(repo, snapshotId, opts.signal)) {
    if (e.type === 'dir') continue;
    if (!opts.includeArchives && (e.path === ARCHIVES_DIR || e.path.startsWith(`${ARCHIVES_DIR}/`))) continue;
    inSnapshot.set(e.path, e.type === 'file' ? e.size : 0);
  }
  const local = await listLocal(dir, opts.includeArchives ? undefined : ARCHIVES_DIR);
  const missing = [...inSnapshot.keys()].filter((p) => !local.has(p));
  const extra = [...local.keys()].filter((p) => !inSnapshot.has(p));
  const wrongSize = [...inSnapshot]
    .filter(([p, size]) => local.has(p) && local.get(p) !== size)
    .map(([p]) => p);
  if (missing.length || extra.length || wrongSize.length)
    throw new PermanentError(
      `The copy in ${dir} differs from snapshot ${snapshotId.slice(0, 8)}: ${missing.length} missing, ${extra.length} extra, ${wrongSize.length} of another size (${[...missing, ...extra, ...wrongSize].slice(0, 5).join(', ')})`,
      'MOVE_VERIFY_FAILED',
      { missing: missing.slice(0, 100), extra: extra.slice(0, 100), wrongSize: wrongSize.slice(0, 100) },
    );
  const bytes = [...inSnapshot.values()].reduce((n, s) => n + s, 0);
  return { files: inSnapshot.size, bytes };
}

/** The mark a move leaves in the copy it restores, so that a resumed move knows the copy as its own. */
const moveMark = (dir: string, opId: string) => path.join(dir, `.arkive-move-${opId}`);

/**
 * Restores the move's snapshot into the run's place on this host (restore-on-missing: staging,
 * durable, one rename), with the move's mark inside: a worker killed between the rename and its
 * checkpoint finds on resume a copy it can prove is its own, not a directory of unknown origin.
 */
export async function restoreForMove(
  repo: ResticRepo,
  snapshotId: string,
  dir: string,
  opts: {
    opId: string;
    hostId: string;
    bytesTotal: number;
    files: number;
    includeArchives: boolean;
    signal?: AbortSignal;
    onProgress?(p: BackupRestoreProgress): void;
  },
): Promise<void> {
  const fill = fillWhole(repo, snapshotId, {
    bytesTotal: opts.bytesTotal,
    files: opts.files,
    keepArchives: opts.includeArchives,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  await restoreMissingRun({
    runDir: dir,
    hostId: opts.hostId,
    signal: opts.signal,
    prepare: async (makeStaging) => {
      let staging = '';
      const prepared = await fill(async () => (staging = await makeStaging()));
      await fs.writeFile(moveMark(staging, opts.opId), `${snapshotId}\n`);
      return prepared;
    },
  });
}

/** Whether `dir` is the copy this move restored (it holds the move's mark). */
export async function restoredByMove(dir: string, opId: string): Promise<boolean> {
  return (await fs.lstat(moveMark(dir, opId)).catch(() => null))?.isFile() ?? false;
}

/** Takes the mark out once the checkpoint records the copy (before it is verified). */
export async function unmarkMove(dir: string, opId: string): Promise<void> {
  await fs.rm(moveMark(dir, opId), { force: true });
}

/** Removes what this move restored on the destination (one rename aside, then the removal). */
async function removeRestored(ctx: Ctx) {
  const dir = runPath(ctx.config.runsRoot, ctx.payload.runid);
  const aside = path.join(ctx.config.runsRoot, `.${ctx.payload.runid}.move-failed-${ctx.operation.id}`);
  if (await fs.lstat(dir).catch(() => null)) await fs.rename(dir, aside);
  await fs.rm(aside, { recursive: true, force: true });
}

/**
 * The destination host's part of a move, run by its own workers from its queue (it waits there
 * while the host is offline): restore the move's backup into a staging folder renamed into
 * place (restore-on-missing), then verify it. A failure removes what was restored, puts the run
 * back on its source (untouched so far) and unlocks it.
 */
export async function processMoveIn(ctx: Ctx): Promise<void> {
  const { runid, sourceHostId, includeArchives } = ctx.payload;
  const cp = ctx.checkpoint as RunMoveCheckpoint;
  const opId = ctx.operation.id;
  let restored = false;
  try {
    if (!cp.placed || !cp.backupId) throw new Error('The move was not placed on this host: start it over');
    await lockRunForMove(ctx.redis, ctx.config.redisPrefix, runid, opId);
    const backup = await ctx.prisma.backup.findUnique({
      where: { id: cp.backupId },
      include: { repo: true },
    });
    if (!backup)
      throw new PermanentError(`Backup ${cp.backupId} of run ${runid} is gone`, 'BACKUP_NOT_FOUND');
    const repo = resticRepoFor(ctx.config, backup.repo.region);
    const short = backup.snapshotId.slice(0, 8);

    await ctx.enterStage('restoring', `Restoring run ${runid} on ${ctx.config.hostId} from backup ${short}`);
    const dir = runPath(ctx.config.runsRoot, runid);
    const present = (await fs.lstat(dir).catch(() => null)) !== null;
    if (present && (cp.destRestored || (await restoredByMove(dir, opId)))) {
      // resumed: this move's copy is in place (its checkpoint, or its mark if the worker died first)
      restored = true;
      if (!cp.destRestored) await ctx.saveCheckpoint({ destRestored: true } satisfies RunMoveCheckpoint);
      await ctx.report.status('Restored already (resumed): verifying');
    } else {
      const pump = progressPump(ctx);
      const onProgress = (p: BackupRestoreProgress) =>
        pump.send({
          stage: 'restoring',
          fraction: p.bytesTotal ? p.bytesDone / p.bytesTotal : 0,
          current: p.bytesDone,
          total: p.bytesTotal,
          unit: 'bytes',
        });
      try {
        await restoreForMove(repo, backup.snapshotId, dir, {
          opId,
          hostId: ctx.config.hostId,
          bytesTotal: Number(backup.bytes),
          files: backup.files,
          includeArchives,
          signal: ctx.signal,
          onProgress,
        });
      } finally {
        await pump.drain();
      }
      restored = true;
      await ctx.saveCheckpoint({ destRestored: true } satisfies RunMoveCheckpoint);
      await ctx.report.status(`Restored ${backup.files} files into ${dir}`);
    }
    await unmarkMove(dir, opId);

    await ctx.enterStage('verifying', `Verifying the copy on ${ctx.config.hostId} against snapshot ${short}`);
    const v = await verifyAgainstSnapshot(repo, backup.snapshotId, dir, {
      includeArchives,
      signal: ctx.signal,
    });
    await markRunEdited(ctx.prisma, runid);
    await ctx.report.status(`Verified ${v.files} files (${v.bytes} bytes) on ${ctx.config.hostId}`);
  } catch (err) {
    if (err instanceof ShutdownError) throw err;
    if (restored) await removeRestored(ctx);
    const reverted = await revertMovePlacement(ctx.prisma, ctx.payload);
    await unlockRunForMove(ctx.redis, ctx.config.redisPrefix, runid, opId);
    await ctx.saveCheckpoint({
      reverted: true,
      placed: false,
      destRestored: false,
    } satisfies RunMoveCheckpoint);
    await ctx.report.status(
      `The move failed on ${ctx.config.hostId}${restored ? ' (what it restored there was removed)' : ''}; run ${runid} ${reverted ? 'is back' : 'stays'} on ${sourceHostId}, unchanged and unlocked. A retry starts over.`,
      'WARNING',
    );
    throw err;
  }
}

export const moveInProcessor = registerProcessor(runMove, processMoveIn, { stage: 'restoring' });
