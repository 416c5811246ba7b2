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
  folderObjectKey,
  folderUpload,
  formatBytes,
  jobDirs,
  markerContents,
  markerFileName,
  PermanentError,
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
 * Refuses to delete a source folder that changed since stage 1 took its fingerprint (before the
 * copy): a file added or rewritten meanwhile is not in the archive and would be lost. Skipped when
 * this job's marker is already there (an earlier attempt started deleting) and for jobs queued
 * before fingerprints were recorded.
 */
async function assertSourceUnchanged(
  ctx: { operation: { id: string; result: unknown } },
  markerPath: string,
  markerName: string,
  object: string,
  folder: string,
): Promise<void> {
  const recorded = (ctx.operation.result as { source_state?: RunState & { takenAt: number } } | null)
    ?.source_state;
  if (!recorded) return;
  const marker = await fs.readFile(markerPath, 'utf8').catch(() => '');
  if (marker.includes(`Job ID: ${ctx.operation.id}`)) return;
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
 * Stage 2 of a folder job (queue `upload-verify`, concurrency 1): upload the verified archive
 * (multipart, SHA-256 declared), verify (HEAD, LIST, exact size, SHA-256 read back from the bucket),
 * then — only when every check passed — write the marker, empty the source folder and delete the
 * local archive. Cancellation is honoured up to the moment source deletion starts.
 */
export function folderUploadProcessor(
  opts: { store?: (config: Config) => BlobStore; hooks?: FolderUploadHooks } = {},
): ProcessorRegistration {
  let store: BlobStore | undefined;
  return registerProcessor(folderUpload, async (ctx) => {
    const { config, payload: p, operation, report, signal } = ctx;
    // The driver's own read-back check is skipped: this stage verifies size and SHA-256 itself right after.
    store ??= opts.store ? opts.store(config) : createBlobStore(config, { verify: 'never' });
    const id = operation.id;
    const attempt = ctx.job.attemptsMade + 1;
    const ref = await resolveFolder(config.sourceRoot, p.folder);
    const dirs = jobDirs(config.storageRoot, id, ref.name);
    const key = folderObjectKey(ref);
    const bucket = store.describe().bucket;
    const markerName = markerFileName(config.folders.markerTemplate, ref.name);
    const markerPath = path.join(ref.abs, markerName);
    const result = () => ({
      bucket,
      key,
      size: p.archiveSize,
      sha256: p.archiveSha256,
      folder_size_bytes: p.folderSize,
      file_count: p.fileCount,
      archive_size_bytes: p.archiveSize,
      marker_path: markerPath,
    });
    try {
      const archive = await locateArchive(dirs);
      if (!archive) {
        // A previous attempt may have finished everything but the bookkeeping.
        const marker = await fs.readFile(markerPath, 'utf8').catch(() => '');
        const head = marker.includes(`Job ID: ${id}`) ? await store.head(key) : null;
        if (head && head.size === p.archiveSize && (await store.sha256(key)) === p.archiveSha256) {
          await report.log(
            'INFO',
            'Archive was already uploaded, verified and the source cleaned by an earlier attempt',
          );
          return result();
        }
        throw new PermanentError(
          `The local archive for this job is gone (${dirs.archive}); retry the job to rebuild it`,
          'ARCHIVE_MISSING',
        );
      }
      const size = (await fs.stat(archive)).size;
      if (size !== p.archiveSize || (await sha256File(archive, signal)) !== p.archiveSha256) {
        throw new PermanentError(
          'The local archive changed since it was tested; retry the job to rebuild it',
          'ARCHIVE_CHANGED',
        );
      }
      ctx.throwIfStopped();

      await report.setStage(
        'uploading',
        `Uploading ${path.basename(archive)} (${formatBytes(size)}) to ${bucket}/${key}...`,
        0,
      );
      await store.put(key, createReadStream(archive, { highWaterMark: 1 << 20 }), {
        size,
        sha256: p.archiveSha256,
        contentType: 'application/x-7z-compressed',
        signal,
        onProgress: (sent) =>
          void report
            .progress({ percent: size ? (sent / size) * 75 : 75, current: sent, total: size, unit: 'bytes' })
            .catch(() => undefined),
      });
      await opts.hooks?.afterUpload?.({ operationId: id, key, store });
      ctx.throwIfStopped();

      await report.setStage('upload_verifying', 'Verifying upload (exists, size, SHA-256)...', 75);
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
      await report.progress({ percent: 82, message: 'Size matches; reading the object back for SHA-256' });
      const remoteSha = await store.sha256(key);
      if (remoteSha !== p.archiveSha256)
        throw verifyFailed(
          `SHA-256 of ${key} in the bucket is ${remoteSha}, local archive is ${p.archiveSha256}`,
        );
      await report.log('INFO', `Verified ${bucket}/${key}: ${size} bytes, SHA-256 ${remoteSha}`);
      ctx.throwIfStopped();

      await assertSourceUnchanged(ctx, markerPath, markerName, `${bucket}/${key}`, p.folder);

      // Point of no return: from here the job completes even if a cancel arrives.
      ctx.commit();
      await report.setStage('deleting_source', 'Deleting source files and writing the marker...', 90);
      const again = await resolveFolder(config.sourceRoot, p.folder);
      const tmpMarker = path.join(again.abs, `.${markerName}.tmp-${process.pid}`);
      await fs.writeFile(
        tmpMarker,
        markerContents({
          archivedAt: new Date(),
          folderName: ref.name,
          objectKey: key,
          bucket,
          sha256: p.archiveSha256,
          size,
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
      await report.progress({ percent: 95, message: 'Deleting local archive' });
      await fs.rm(dirs.archives, { recursive: true, force: true });
      await fs.rm(dirs.failed, { recursive: true, force: true });
      await report.log('INFO', `Deleted local archive ${archive} (${formatBytes(size)})`);
      return result();
    } catch (raw) {
      const err =
        signal.aborted && !(raw instanceof AppError && raw.code === 'UPLOAD_VERIFY_FAILED')
          ? signal.reason
          : raw;
      if (err instanceof ShutdownError) throw err;
      if (err instanceof CancelledError) {
        await fs.rm(dirs.archives, { recursive: true, force: true }).catch(() => undefined);
        await report
          .log('WARNING', 'Cancelled before the source was touched; local archive removed')
          .catch(() => undefined);
        throw err;
      }
      const decision = decideFailure(err, attempt, 'upload', config);
      if (decision.final) await keepFailedArchive(dirs, decision.error).catch(() => undefined);
      throw decision.error;
    }
  });
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
