import fs from 'node:fs/promises';
import path from 'node:path';
import { DelayedError } from 'bullmq';
import {
  CancelledError,
  decideFailure,
  diskSpace,
  errorMessage,
  folderArchive,
  formatBytes,
  isMarkerName,
  jobDirs,
  PermanentError,
  registerProcessor,
  requiredSpaceBytes,
  resolveFolder,
  runState,
  sha256File,
  ShutdownError,
  treeStats,
  type FolderArchiveCheckpoint,
  type ProcessorRegistration,
} from '@arkive/shared';
import { copyTree } from './copy';
import { sevenZipAdd, sevenZipBinary, sevenZipTest } from './seven-zip';

export interface FolderArchiveHooks {
  /** Test seam: runs after each step (`copied`, `compressed`, `tested`) with the job's dirs. */
  afterStep?(step: 'copied' | 'compressed' | 'tested', info: { operationId: string }): Promise<void>;
}

/**
 * The `compress-folder` segment of a folder job (concurrency 1): disk-space gate, copy to
 * STORAGE_ROOT/temp/<job>/<folder>/, 7z a, 7z t, remove the copy, record the tested archive in the
 * checkpoint; the worker then hands the operation to its `uploading` stage. Every (re)start wipes
 * this job's temp and archive directories first, so a crashed or released attempt is redone cleanly.
 */
export function folderArchiveProcessor(hooks: FolderArchiveHooks = {}): ProcessorRegistration {
  return registerProcessor(folderArchive, async (ctx) => {
    const { config, payload, operation, report, signal } = ctx;
    const id = operation.id;
    const attempt = ctx.job.attemptsMade + 1;
    const ref = await resolveFolder(config.sourceRoot, payload.folder);
    const dirs = jobDirs(config.storageRoot, id, ref.name);
    const wipe = async () => {
      await fs.rm(dirs.temp, { recursive: true, force: true });
      await fs.rm(dirs.archives, { recursive: true, force: true });
    };
    try {
      sevenZipBinary(); // before copying anything: without 7z the job cannot succeed
      const top = await fs.readdir(ref.abs);
      if (top.some((n) => isMarkerName(n, config.folders.markerTemplate, ref.name))) {
        throw new PermanentError(
          `${ref.rel} already has an archive marker; nothing to do`,
          'FOLDER_ALREADY_ARCHIVED',
        );
      }
      const stats = await treeStats(ref.abs);
      if (stats.fileCount === 0) throw new PermanentError(`${ref.rel} is empty`, 'FOLDER_EMPTY');

      const need = requiredSpaceBytes(stats.sizeBytes, config);
      const space = await diskSpace(config.storageRoot);
      if (space.freeBytes < need) {
        await report.log(
          'WARNING',
          `Waiting for disk space: need ${formatBytes(need)}, ${formatBytes(space.freeBytes)} free`,
        );
        await ctx.postpone(config.folders.diskCheckIntervalSeconds * 1000, 'Waiting for disk space');
      }

      await wipe();
      // The source's fingerprint before it is copied: the upload segment deletes the source only if
      // it is still exactly this (a file added or changed meanwhile is not in the archive).
      const sourceStateAt = Date.now();
      const sourceState = await runState(ref.abs, signal, { skipArchives: false });
      await ctx.enterStage(
        'copying',
        `Copying ${ref.name} (${formatBytes(stats.sizeBytes)}, ${stats.fileCount} files)`,
      );
      const copied = await copyTree(ref.abs, dirs.tempFolder, {
        signal,
        onProgress: (p) =>
          void report
            .progress({
              fraction: p.totalBytes ? p.bytes / p.totalBytes : 0.5,
              current: p.bytes,
              total: p.totalBytes,
              unit: 'bytes',
            })
            .catch(() => undefined),
      });
      await hooks.afterStep?.('copied', { operationId: id });
      ctx.throwIfStopped();

      await fs.mkdir(dirs.archives, { recursive: true });
      await ctx.enterStage('compressing', 'Compressing with 7z');
      await sevenZipAdd(dirs.archive, dirs.temp, ref.name, {
        signal,
        onPercent: (p) =>
          void report
            .progress({ fraction: p / 100, current: p, total: 100, unit: 'percent' })
            .catch(() => undefined),
      });
      await hooks.afterStep?.('compressed', { operationId: id });
      ctx.throwIfStopped();

      await ctx.enterStage('verifying', 'Testing the archive (7z t)');
      await sevenZipTest(dirs.archive, {
        signal,
        onPercent: (p) =>
          void report
            .progress({ fraction: p / 100, current: p, total: 100, unit: 'percent' })
            .catch(() => undefined),
      });
      ctx.throwIfStopped();
      await fs.rm(dirs.temp, { recursive: true, force: true });
      const archiveSize = (await fs.stat(dirs.archive)).size;
      const archiveSha256 = await sha256File(dirs.archive, signal);
      await hooks.afterStep?.('tested', { operationId: id });
      ctx.throwIfStopped();
      const archive: NonNullable<FolderArchiveCheckpoint['archive']> = {
        size: archiveSize,
        sha256: archiveSha256,
        folderSize: stats.sizeBytes,
        fileCount: stats.fileCount,
      };
      await ctx.saveCheckpoint({
        archive,
        source: { ...sourceState, takenAt: sourceStateAt },
        verified: undefined,
      });
      await report.progress({ fraction: 1 });
      await report.log(
        'INFO',
        `Archive ${path.basename(dirs.archive)} tested: ${formatBytes(archiveSize)} from ${formatBytes(copied.bytes)} (${copied.files} files), SHA-256 ${archiveSha256}`,
      );
    } catch (raw) {
      if (raw instanceof DelayedError) throw raw;
      const err = signal.aborted ? signal.reason : raw;
      // Cancel: the kind's clean-up removes the work files; shutdown: the next attempt redoes this.
      if (err instanceof ShutdownError || err instanceof CancelledError) throw err;
      const decision = decideFailure(err, attempt, 'archive', config);
      if (decision.final) await keepFailedArtifacts(dirs, decision.error).catch(() => undefined);
      else await wipe().catch(() => undefined);
      throw decision.error;
    }
  });
}

/** PRD §4.1: a failed job's archive (if any) goes to STORAGE_ROOT/failed/<job>/ with error.log; the copy is removed. */
async function keepFailedArtifacts(dirs: ReturnType<typeof jobDirs>, err: unknown): Promise<void> {
  await fs.mkdir(dirs.failed, { recursive: true });
  await fs.rename(dirs.archive, dirs.failedArchive).catch(() => undefined);
  await fs.writeFile(
    path.join(dirs.failed, 'error.log'),
    `${new Date().toISOString()} ${errorMessage(err)}\n${err instanceof Error && err.stack ? err.stack : ''}\n`,
  );
  await fs.rm(dirs.temp, { recursive: true, force: true });
  await fs.rm(dirs.archives, { recursive: true, force: true });
}
