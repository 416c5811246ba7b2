import type { z } from 'zod';
import {
  backupDir,
  ensureRepoRow,
  ensureResticRepo,
  progressPump,
  recoverAfterCrash,
  refreshLastEdited,
  registerProcessor,
  requireRunDir,
  resticRepoFor,
  ResticLockedError,
  runBackup,
  runRepoId,
  type ProcessorContext,
  type runBackupPayload,
  type runBackupResult,
} from '@arkive/shared';
import { recordBackup } from '../record-backup';

type Payload = z.infer<typeof runBackupPayload>;
type Result = z.infer<typeof runBackupResult>;

/** How long a backup waits before trying again while an exclusive operation (prune, check) holds the repository. */
export const REPO_BUSY_RETRY_MS = 3000;

/**
 * Backs a run up into its sticky repository: `restic backup` inside the run (archives/ excluded),
 * tagged with the run id and purpose, progress from restic's status lines; then records the
 * snapshot and the run's lastBackupAt. After a worker died mid-backup the next attempt first
 * clears the dead process's lock and rebuilds the index, so what it uploaded is reused.
 */
export async function processRunBackup(ctx: ProcessorContext<Payload>): Promise<Result> {
  const { runid } = ctx.payload;
  const purpose = ctx.payload.purpose ?? 'manual';
  const runDir = await requireRunDir(ctx.config.runsRoot, runid);
  const repoId = await runRepoId(ctx.prisma, ctx.config, runid);
  const row = await ensureRepoRow(ctx.prisma, ctx.config, repoId);
  const repo = resticRepoFor(ctx.config, row.region);
  await ctx.report.setStage('backing-up', `Backing up run ${runid} to region ${row.region}`, 0);
  await ensureResticRepo(repo, ctx.signal);
  if (ctx.checkpoint.backupStarted) {
    for (const line of await recoverAfterCrash(repo, ctx.signal))
      await ctx.report.status(`Repository: ${line}`);
  }
  await refreshLastEdited(ctx.prisma, runid, runDir);
  await ctx.saveCheckpoint({ backupStarted: true });
  const pump = progressPump(ctx);
  let summary;
  try {
    summary = await backupDir(repo, runDir, {
      runid,
      purpose,
      signal: ctx.signal,
      onProgress: (p) =>
        pump.send({
          stage: 'backing-up',
          fraction: p.fraction,
          current: p.bytesDone,
          total: p.bytesTotal,
          unit: 'bytes',
          detail: { filesDone: p.filesDone, filesTotal: p.filesTotal, secondsRemaining: p.secondsRemaining },
        }),
    });
  } catch (err) {
    await pump.drain();
    if (err instanceof ResticLockedError) {
      // refused before it took its lock: nothing to recover next time
      await ctx.saveCheckpoint({ backupStarted: false });
      return ctx.postpone(REPO_BUSY_RETRY_MS, 'Waiting for the repository: an exclusive operation holds it');
    }
    throw err;
  }
  await pump.drain();
  const { backup, snap } = await recordBackup(ctx, { repo, repoId, runid, purpose, summary });
  await ctx.report.status(
    `Backed up ${summary.totalFiles} files (${summary.totalBytes} bytes), ${summary.dataAdded} bytes added to the repository: snapshot ${snap.short_id}`,
  );
  return {
    backupId: backup.id,
    snapshotId: snap.id,
    files: summary.totalFiles,
    bytes: summary.totalBytes,
    bytesAdded: summary.dataAdded,
  };
}

export const runBackupProcessor = registerProcessor(runBackup, processRunBackup);
