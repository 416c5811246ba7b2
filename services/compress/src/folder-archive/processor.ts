import fs from 'node:fs/promises';
import path from 'node:path';
import { DelayedError } from 'bullmq';
import {
  CancelledError,
  decideFailure,
  diskSpace,
  errorMessage,
  folderArchive,
  folderUpload,
  folderUploadJobId,
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
  stage2JobOptions,
  treeStats,
  type FolderUploadPayload,
  type ProcessorRegistration,
} from '@arkive/shared';
import { copyTree } from './copy';
import { sevenZipAdd, sevenZipTest } from './seven-zip';

export interface FolderArchiveHooks {
  /** Test seam: runs after each step (`copied`, `compressed`, `tested`) with the job's dirs. */
  afterStep?(step: 'copied' | 'compressed' | 'tested', info: { operationId: string }): Promise<void>;
}

/**
 * Stage 1 of a folder job (queue `compress-folder`, concurrency 1): disk-space gate, copy to
 * STORAGE_ROOT/temp/<job>/<folder>/, 7z a, 7z t, remove the copy, then hand off to `folder-upload`
 * for the same Operation. Progress per PRD §6.7: copy 0–33 %, compress 33–66 %, test 66–100 %.
 * Every (re)start wipes this job's temp and archive directories first, so a crashed or released
 * attempt is redone cleanly.
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
      // The source's fingerprint before it is copied: the upload stage deletes the source only if
      // it is still exactly this (a file added or changed meanwhile is not in the archive).
      const sourceStateAt = Date.now();
      const sourceState = await runState(ref.abs, signal, { skipArchives: false });
      await report.setStage(
        'copying',
        `Step 1/3: Copying ${ref.name} (${formatBytes(stats.sizeBytes)})...`,
        0,
      );
      const copied = await copyTree(ref.abs, dirs.tempFolder, {
        signal,
        onProgress: (p) =>
          void report
            .progress({
              percent: p.totalBytes ? (p.bytes / p.totalBytes) * 33 : 16,
              current: p.bytes,
              total: p.totalBytes,
              unit: 'bytes',
            })
            .catch(() => undefined),
      });
      await hooks.afterStep?.('copied', { operationId: id });
      ctx.throwIfStopped();

      await fs.mkdir(dirs.archives, { recursive: true });
      await report.setStage('compressing', 'Step 2/3: Compressing...', 33);
      await sevenZipAdd(dirs.archive, dirs.temp, ref.name, {
        signal,
        onPercent: (p) =>
          void report
            .progress({ percent: 33 + p * 0.33, current: p, total: 100, unit: 'percent' })
            .catch(() => undefined),
      });
      await hooks.afterStep?.('compressed', { operationId: id });
      ctx.throwIfStopped();

      await report.setStage('verifying', 'Step 3/3: Verifying archive (7z t)...', 66);
      await sevenZipTest(dirs.archive, {
        signal,
        onPercent: (p) =>
          void report
            .progress({ percent: 66 + p * 0.34, current: p, total: 100, unit: 'percent' })
            .catch(() => undefined),
      });
      ctx.throwIfStopped();
      await fs.rm(dirs.temp, { recursive: true, force: true });
      const archiveSize = (await fs.stat(dirs.archive)).size;
      const archiveSha256 = await sha256File(dirs.archive, signal);
      await hooks.afterStep?.('tested', { operationId: id });
      ctx.throwIfStopped();
      await report.progress({ percent: 100 });
      await report.log(
        'INFO',
        `Archive ${path.basename(dirs.archive)} verified: ${formatBytes(archiveSize)} from ${formatBytes(copied.bytes)} (${copied.files} files), SHA-256 ${archiveSha256}`,
      );

      const upload: FolderUploadPayload = {
        folder: ref.rel,
        operationId: id,
        archivePath: dirs.archive,
        archiveSize,
        archiveSha256,
        folderSize: stats.sizeBytes,
        fileCount: stats.fileCount,
      };
      return ctx.handOff({
        queue: folderUpload.queue,
        kind: folderUpload.kind,
        jobId: folderUploadJobId(id),
        payload: upload,
        opts: stage2JobOptions(config),
        message: 'Archive ready; waiting for upload',
        partialResult: {
          upload,
          folder_size_bytes: stats.sizeBytes,
          file_count: stats.fileCount,
          archive_size_bytes: archiveSize,
          source_state: { ...sourceState, takenAt: sourceStateAt },
        },
      });
    } catch (raw) {
      if (raw instanceof DelayedError) throw raw;
      const err = signal.aborted ? signal.reason : raw;
      if (err instanceof ShutdownError) throw err; // the next attempt wipes and redoes this stage
      if (err instanceof CancelledError) {
        await wipe().catch(() => undefined);
        await report
          .log('WARNING', 'Cancelled; temporary copy and archive removed, source untouched')
          .catch(() => undefined);
        throw err;
      }
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
