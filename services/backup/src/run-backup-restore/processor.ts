import path from 'node:path';
import type { z } from 'zod';
import {
  ARCHIVES_DIR,
  assertRunUnlocked,
  fillPaths,
  fillWhole,
  listTree,
  markRunEdited,
  normalizePaths,
  PermanentError,
  progressPump,
  recordArchive,
  registerProcessor,
  requireUnlockedRunDir,
  resticRepoFor,
  restoreMissingRun,
  restoreStaged,
  runBackupRestore,
  runPath,
  type BackupRestoreProgress,
  type ProcessorContext,
  type runBackupRestorePayload,
  type runBackupRestoreResult,
} from '@arkive/shared';

type Payload = z.infer<typeof runBackupRestorePayload>;
type Result = z.infer<typeof runBackupRestoreResult>;

/**
 * Restores a run (whole, or chosen paths) from one of its backups: `restic restore --verify` into
 * a staging folder beside the run, then the same safety snapshot and journaled atomic swap as an
 * archive restore (restoreStaged); any failure or cancel leaves the run exactly as it was. A run
 * whose directory is missing (restore-on-missing) is restored into place without a swap.
 */
export async function processRunBackupRestore(ctx: ProcessorContext<Payload>): Promise<Result> {
  const { runid, backupId } = ctx.payload;
  const backup = await ctx.prisma.backup.findUnique({ where: { id: backupId }, include: { repo: true } });
  if (!backup || backup.runId !== runid)
    throw new PermanentError(`Backup ${backupId} of run ${runid} not found`, 'BACKUP_NOT_FOUND');
  const repo = resticRepoFor(ctx.config, backup.repo.region);
  const paths = ctx.payload.paths?.length ? normalizePaths(ctx.payload.paths) : undefined;
  const short = backup.snapshotId.slice(0, 8);
  await ctx.report.setStage(
    'restoring',
    `Restoring ${paths ? paths.join(', ') : 'the whole run'} from backup ${short}`,
    0,
  );
  let bytesTotal = Number(backup.bytes);
  let files = backup.files;
  if (paths) {
    const inScope = (await listTree(repo, backup.snapshotId, ctx.signal)).filter((e) =>
      paths.some((p) => e.path === p || e.path.startsWith(`${p}/`)),
    );
    const missing = paths.filter((p) => !inScope.some((e) => e.path === p));
    if (missing.length)
      throw new PermanentError(`Not in backup ${short}: ${missing.join(', ')}`, 'PATH_NOT_IN_BACKUP', {
        missing,
      });
    bytesTotal = inScope.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0);
    files = inScope.filter((e) => e.type === 'file').length;
  }
  const pump = progressPump(ctx);
  const onProgress = (p: BackupRestoreProgress) =>
    pump.send({
      stage: 'restoring',
      fraction: p.bytesTotal ? p.bytesDone / p.bytesTotal : 0,
      current: p.bytesDone,
      total: p.bytesTotal,
      unit: 'bytes',
    });
  const fillOpts = { bytesTotal, files, signal: ctx.signal, onProgress };

  if (ctx.payload.intoMissing) {
    if (paths)
      throw new PermanentError('A missing run is restored whole, not by paths', 'BAD_RESTORE_REQUEST');
    try {
      await restoreMissingRun({
        runDir: runPath(ctx.config.runsRoot, runid),
        hostId: ctx.config.hostId,
        signal: ctx.signal,
        prepare: fillWhole(repo, backup.snapshotId, fillOpts),
      });
    } finally {
      await pump.drain();
    }
    await markRunEdited(ctx.prisma, runid);
    await ctx.report.status(`Run ${runid} restored from backup ${short}: ready`);
    return { filesRestored: files, snapshotId: backup.snapshotId };
  }

  const runDir = await requireUnlockedRunDir(ctx.config, ctx.redis, runid);
  let result;
  try {
    result = await restoreStaged({
      runDir,
      preRestoreSnapshot: ctx.payload.preRestoreSnapshot ?? true,
      hostId: ctx.config.hostId,
      assertUnlocked: (dir) => assertRunUnlocked(dir, runid, ctx.redis, ctx.config.redisPrefix),
      signal: ctx.signal,
      beforeStage: async (stage) => {
        await pump.drain();
        await ctx.enterStage(
          stage,
          stage === 'swapping'
            ? 'Swapping the restored content into place'
            : 'Snapshotting the current content before replacing it',
        );
      },
      prepare: paths
        ? fillPaths(repo, backup.snapshotId, runDir, paths, fillOpts)
        : fillWhole(repo, backup.snapshotId, fillOpts),
    });
  } finally {
    await pump.drain();
  }
  await markRunEdited(ctx.prisma, runid);
  const pre = result.preRestoreArchive;
  if (pre) {
    await recordArchive(ctx.prisma, {
      runId: runid,
      name: pre.name,
      label: pre.label ?? `before restoring backup ${short}`,
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
  return {
    filesRestored: result.filesRestored,
    snapshotId: backup.snapshotId,
    ...(pre ? { preRestoreArchive: pre.name } : {}),
  };
}

export const runBackupRestoreProcessor = registerProcessor(runBackupRestore, processRunBackupRestore);
