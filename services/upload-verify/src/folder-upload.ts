import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  AppError,
  CancelledError,
  createBlobStore,
  decideFailure,
  describeChanges,
  errorMessage,
  folderArchive,
  folderObjectKey,
  formatBytes,
  jobDirs,
  markerContents,
  markerFileName,
  PermanentError,
  readFolderCheckpoint,
  registerProcessor,
  resolveFolder,
  sha256File,
  ShutdownError,
  type BlobStore,
  type Config,
  type ProcessorRegistration,
  type RunState,
} from '@arkive/shared';

export interface FolderUploadHooks {
  /** Test seam: runs between the upload and its verification. */
  afterUpload?(info: { operationId: string; key: string; store: BlobStore }): Promise<void>;
}

/**
 * Refuses to delete a source folder that changed since the copy stage took its fingerprint (before
 * the copy): a file added or rewritten meanwhile is not in the archive and would be lost. Skipped
 * when this job's marker is already there (an earlier attempt started deleting) and for jobs that
 * recorded no fingerprint.
 */
async function assertSourceUnchanged(
  operationId: string,
  recorded: (RunState & { takenAt: number }) | undefined,
  markerPath: string,
  markerName: string,
  object: string,
  folder: string,
): Promise<void> {
  if (!recorded) return;
  const marker = await fs.readFile(markerPath, 'utf8').catch(() => '');
  if (marker.includes(`Job ID: ${operationId}`)) return;
  const changes = await describeChanges(path.dirname(markerPath), recorded, recorded.takenAt, {
    skipArchives: false,
    ignoreTop: (n) => n.startsWith(`.${markerName}.tmp-`),
  });
  if (changes)
    throw new PermanentError(
      `${folder} changed since it was copied for archiving (${changes.text}): the verified archive is in ${object}, ` +
        'but the source was not deleted and no marker was written. Archive the folder again to include the changes',
      'SOURCE_CHANGED',
      { changed: changes.changed },
    );
}

function verifyFailed(message: string): PermanentError {
  return new PermanentError(
    `Upload verification failed: ${message}; the source was not touched`,
    'UPLOAD_VERIFY_FAILED',
  );
}

/**
 * The `upload-verify` segment of a folder job (concurrency 1): upload the tested archive
 * (multipart, SHA-256 declared), verify (HEAD, LIST, exact size, SHA-256 read back from the bucket),
 * then — only when every check passed — enter the point-of-no-return stage: write the marker, empty
 * the source folder and delete the local archive. A retry after a failure while emptying resumes
 * there (after checking the object is still in the bucket), never before it.
 */
export function folderUploadProcessor(
  opts: { store?: (config: Config) => BlobStore; hooks?: FolderUploadHooks } = {},
): ProcessorRegistration {
  let store: BlobStore | undefined;
  return registerProcessor(
    folderArchive,
    async (ctx) => {
      const { config, payload, operation, report, signal } = ctx;
      // The driver's own read-back check is skipped: this stage verifies size and SHA-256 itself right after.
      store ??= opts.store ? opts.store(config) : createBlobStore(config, { verify: 'never' });
      const id = operation.id;
      const attempt = ctx.job.attemptsMade + 1;
      const ref = await resolveFolder(config.sourceRoot, payload.folder);
      const dirs = jobDirs(config.storageRoot, id, ref.name);
      const key = folderObjectKey(ref);
      const bucket = store.describe().bucket;
      const markerName = markerFileName(config.folders.markerTemplate, ref.name);
      const markerPath = path.join(ref.abs, markerName);
      const archive = readFolderCheckpoint(ctx.checkpoint).archive;
      try {
        if (!archive)
          throw new PermanentError(
            'No tested archive is recorded for this job; retry it to rebuild one',
            'ARCHIVE_MISSING',
          );
        if (ctx.runsStage('uploading')) {
          await ctx.enterStage(
            'uploading',
            `Uploading ${path.basename(dirs.archive)} (${formatBytes(archive.size)}) to ${bucket}/${key}`,
          );
          const local = await locateArchive(dirs);
          if (!local)
            throw new PermanentError(
              `The local archive for this job is gone (${path.basename(dirs.archive)}); retry the job to rebuild it`,
              'ARCHIVE_MISSING',
            );
          const size = (await fs.stat(local)).size;
          if (size !== archive.size || (await sha256File(local, signal)) !== archive.sha256) {
            throw new PermanentError(
              'The local archive changed since it was tested; retry the job to rebuild it',
              'ARCHIVE_CHANGED',
            );
          }
          ctx.throwIfStopped();
          await store.put(key, createReadStream(local, { highWaterMark: 1 << 20 }), {
            size,
            sha256: archive.sha256,
            contentType: 'application/x-7z-compressed',
            signal,
            onProgress: (sent) =>
              void report
                .progress({ fraction: size ? sent / size : 1, current: sent, total: size, unit: 'bytes' })
                .catch(() => undefined),
          });
          await opts.hooks?.afterUpload?.({ operationId: id, key, store });
          ctx.throwIfStopped();

          await ctx.enterStage('upload_verifying', 'Verifying the upload (exists, size, SHA-256)');
          const head = await store.head(key);
          if (!head) throw verifyFailed(`${key} is not in bucket ${bucket}`);
          if (head.size !== size)
            throw verifyFailed(`${key} is ${head.size} bytes in the bucket, ${size} locally`);
          let listed = false;
          for await (const item of store.listAll(key)) {
            if (item.key === key) {
              listed = item.size === size;
              break;
            }
          }
          if (!listed)
            throw verifyFailed(`${key} is missing from the bucket listing or listed with another size`);
          await report.progress({
            fraction: 0.3,
            message: 'Size matches; reading the object back for SHA-256',
          });
          const remoteSha = await store.sha256(key);
          if (remoteSha !== archive.sha256)
            throw verifyFailed(
              `SHA-256 of ${key} in the bucket is ${remoteSha}, local archive is ${archive.sha256}`,
            );
          await report.log('INFO', `Verified ${bucket}/${key}: ${size} bytes, SHA-256 ${remoteSha}`);
          ctx.throwIfStopped();
          await ctx.saveCheckpoint({ verified: { bucket, key } });
        } else {
          // Resuming the clean-up: the object must still be there, whole, before anything more is deleted.
          const head = await store.head(key);
          if (!head || head.size !== archive.size)
            throw verifyFailed(`${key} is no longer in bucket ${bucket} with ${archive.size} bytes`);
        }

        await assertSourceUnchanged(
          ctx.operation.id,
          readFolderCheckpoint(ctx.checkpoint).source,
          markerPath,
          markerName,
          `${bucket}/${key}`,
          payload.folder,
        );

        // Point of no return (the stage is declared so): from here the job completes even if a cancel arrives.
        await ctx.enterStage('deleting_source', 'Writing the marker and emptying the source folder');
        const again = await resolveFolder(config.sourceRoot, payload.folder);
        const tmpMarker = path.join(again.abs, `.${markerName}.tmp-${process.pid}`);
        await fs.writeFile(
          tmpMarker,
          markerContents({
            archivedAt: new Date(),
            folderName: ref.name,
            objectKey: key,
            bucket,
            sha256: archive.sha256,
            size: archive.size,
            jobId: id,
            user: operation.createdBy ?? 'unknown',
          }),
          { flag: 'w' },
        );
        const fh = await fs.open(tmpMarker, 'r');
        await fh.sync();
        await fh.close();
        await fs.rename(tmpMarker, markerPath);
        let removed = 0;
        for (const name of await fs.readdir(again.abs)) {
          if (name === markerName) continue;
          await fs.rm(path.join(again.abs, name), { recursive: true, force: true });
          removed++;
        }
        await report.log(
          'INFO',
          `Source emptied (${removed} top-level entries removed); marker ${markerName} written`,
        );
        await report.progress({ fraction: 0.8, message: 'Deleting local archive' });
        await fs.rm(dirs.archives, { recursive: true, force: true });
        await fs.rm(dirs.failed, { recursive: true, force: true });
        await report.log(
          'INFO',
          `Deleted local archive ${path.basename(dirs.archive)} (${formatBytes(archive.size)})`,
        );
        return {
          bucket,
          key,
          size: archive.size,
          sha256: archive.sha256,
          folder_size_bytes: archive.folderSize,
          file_count: archive.fileCount,
          archive_size_bytes: archive.size,
          marker_path: markerPath,
        };
      } catch (raw) {
        const err =
          signal.aborted && !(raw instanceof AppError && raw.code === 'UPLOAD_VERIFY_FAILED')
            ? signal.reason
            : raw;
        // Cancel: the kind's clean-up removes the local archive; shutdown: resumed from this stage.
        if (err instanceof ShutdownError || err instanceof CancelledError) throw err;
        const decision = decideFailure(err, attempt, 'upload', config);
        if (decision.final) await keepFailedArchive(dirs, decision.error).catch(() => undefined);
        throw decision.error;
      }
    },
    { stage: 'uploading' },
  );
}

/** The verified archive, in archives/<job>/ or (after a failed attempt) failed/<job>/, moved back to archives/. */
async function locateArchive(dirs: ReturnType<typeof jobDirs>): Promise<string | undefined> {
  if (
    await fs.stat(dirs.archive).then(
      () => true,
      () => false,
    )
  )
    return dirs.archive;
  if (
    await fs.stat(dirs.failedArchive).then(
      () => true,
      () => false,
    )
  ) {
    await fs.mkdir(dirs.archives, { recursive: true });
    await fs.rename(dirs.failedArchive, dirs.archive);
    return dirs.archive;
  }
  return undefined;
}

async function keepFailedArchive(dirs: ReturnType<typeof jobDirs>, err: unknown): Promise<void> {
  await fs.mkdir(dirs.failed, { recursive: true });
  await fs.rename(dirs.archive, dirs.failedArchive).catch(() => undefined);
  await fs.appendFile(
    path.join(dirs.failed, 'error.log'),
    `${new Date().toISOString()} ${errorMessage(err)}\n`,
  );
  await fs.rm(dirs.archives, { recursive: true, force: true });
}
