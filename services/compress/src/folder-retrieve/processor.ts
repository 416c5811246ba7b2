import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CancelledError,
  createBlobStore,
  folderRetrieve,
  formatBytes,
  isMarkerName,
  markerFileName,
  PermanentError,
  registerProcessor,
  retrieveDirs,
  sha256File,
  ShutdownError,
  treeStats,
  type BlobStore,
  type Config,
  type ProcessorRegistration,
} from '@arkive/shared';
import { sevenZipBinary, sevenZipExtract, sevenZipTest } from '../folder-archive/seven-zip';

const exists = (p: string) =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );

/**
 * The whole retrieval (one queue segment on `compress-folder`): download the object, check its size
 * and SHA-256 against the record and run `7z t`, extract into a staging folder beside the source,
 * swap (source → set-aside, staged → source, rolled back on failure), then remove the marker (the
 * set-aside source, which holds only the marker) and the work files. The object stays in the bucket.
 * Every start first repairs a swap a killed worker left half done.
 */
export function folderRetrieveProcessor(
  opts: { store?: (config: Config) => BlobStore } = {},
): ProcessorRegistration {
  let store: BlobStore | undefined;
  return registerProcessor(folderRetrieve, async (ctx) => {
    const { config, payload, operation, report, signal } = ctx;
    store ??= opts.store ? opts.store(config) : createBlobStore(config, { verify: 'never' });
    const d = retrieveDirs(config, operation.id, payload.folder);
    const { ref } = d;
    const markerName = markerFileName(config.folders.markerTemplate, ref.name);
    const isMarker = (n: string) => isMarkerName(n, config.folders.markerTemplate, ref.name);

    // A worker killed between the two renames of the swap: put the source back first.
    if (!(await exists(ref.abs)) && (await exists(d.setAside))) await fs.rename(d.setAside, ref.abs);
    const swapped = (await exists(d.setAside)) && !(await fs.readdir(ref.abs).catch(() => [])).some(isMarker);

    try {
      if (!swapped && ctx.startStage !== 'removing_marker') {
        sevenZipBinary();
        const top = await fs.readdir(ref.abs).catch(() => {
          throw new PermanentError(`Folder ${ref.rel} does not exist`, 'FOLDER_NOT_FOUND');
        });
        if (!top.some(isMarker))
          throw new PermanentError(
            `${ref.rel} has no archive marker: it is not in cold storage (or was retrieved already)`,
            'FOLDER_NOT_ARCHIVED',
          );
        const bucket = store.describe().bucket;
        if (bucket !== payload.bucket)
          throw new PermanentError(
            `The object is recorded in bucket ${payload.bucket}, but this system uses ${bucket}`,
            'BUCKET_MISMATCH',
          );

        await ctx.enterStage(
          'downloading',
          `Downloading ${payload.bucket}/${payload.key} (${formatBytes(payload.size)})`,
        );
        await fs.rm(d.download, { recursive: true, force: true });
        await fs.rm(d.staging, { recursive: true, force: true });
        await fs.mkdir(d.download, { recursive: true });
        const body = await store.get(payload.key);
        let got = 0;
        const count = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            got += chunk.length;
            void report
              .progress({
                fraction: payload.size ? got / payload.size : 1,
                current: got,
                total: payload.size,
                unit: 'bytes',
              })
              .catch(() => undefined);
            cb(null, chunk);
          },
        });
        await pipeline(body, count, createWriteStream(d.archive), { signal });
        ctx.throwIfStopped();

        await ctx.enterStage('checking', 'Checking size and SHA-256 against the record, then 7z t');
        const size = (await fs.stat(d.archive)).size;
        if (size !== payload.size)
          throw new PermanentError(
            `The downloaded object is ${size} bytes, the record says ${payload.size}; the folder was not touched`,
            'RETRIEVE_SIZE_MISMATCH',
          );
        const sha = await sha256File(d.archive, signal);
        if (sha !== payload.sha256)
          throw new PermanentError(
            `SHA-256 of the downloaded object is ${sha}, the record says ${payload.sha256}; the folder was not touched`,
            'RETRIEVE_SHA_MISMATCH',
          );
        await report.progress({ fraction: 0.3, message: 'Size and SHA-256 match; testing with 7z t' });
        await sevenZipTest(d.archive, {
          signal,
          onPercent: (p) => void report.progress({ fraction: 0.3 + (0.7 * p) / 100 }).catch(() => undefined),
        });
        await report.log('INFO', `Checked ${payload.key}: ${size} bytes, SHA-256 ${sha}, 7z t passed`);
        ctx.throwIfStopped();

        await ctx.enterStage('extracting', `Extracting into ${path.basename(d.staging)}`);
        await fs.mkdir(d.staging, { recursive: true });
        await sevenZipExtract(d.archive, d.staging, {
          signal,
          onPercent: (p) =>
            void report
              .progress({ fraction: p / 100, current: p, total: 100, unit: 'percent' })
              .catch(() => undefined),
        });
        const staged = await fs.readdir(d.staging);
        if (staged.length !== 1 || staged[0] !== ref.name || !(await exists(d.stagedFolder)))
          throw new PermanentError(
            `The archive does not hold exactly the folder ${ref.name}/ (found ${staged.join(', ') || 'nothing'})`,
            'RETRIEVE_LAYOUT',
          );
        ctx.throwIfStopped();

        await ctx.enterStage('swapping', `Swapping the retrieved ${ref.name} into place`);
        const others = (await fs.readdir(ref.abs)).filter((n) => !isMarker(n));
        if (others.length)
          throw new PermanentError(
            `${ref.rel} holds ${others.length} entries besides its marker (${others.slice(0, 3).join(', ')}); ` +
              'move them away, then retry: nothing was changed',
            'FOLDER_NOT_EMPTY',
          );
        await fs.rename(ref.abs, d.setAside);
        try {
          await fs.rename(d.stagedFolder, ref.abs);
        } catch (err) {
          await fs.rename(d.setAside, ref.abs);
          throw err;
        }
      }

      await ctx.enterStage('removing_marker', `Removing the marker ${markerName}`);
      await fs.rm(d.setAside, { recursive: true, force: true });
      await fs.rm(d.staging, { recursive: true, force: true });
      await fs.rm(d.download, { recursive: true, force: true });
      const stats = await treeStats(ref.abs);
      await report.log(
        'INFO',
        `Retrieved ${ref.rel}: ${stats.fileCount} files, ${formatBytes(stats.sizeBytes)}; marker removed; ` +
          `the object stays in ${payload.bucket}/${payload.key}`,
      );
      return {
        bucket: payload.bucket,
        key: payload.key,
        size: payload.size,
        sha256: payload.sha256,
        file_count: stats.fileCount,
        folder_size_bytes: stats.sizeBytes,
        marker_removed: markerName,
      };
    } catch (raw) {
      const err = signal.aborted ? signal.reason : raw;
      if (err instanceof ShutdownError || err instanceof CancelledError) throw err;
      // Before the swap nothing in the folder changed: drop the work files, a retry starts over.
      if (!(await exists(d.setAside))) {
        await fs.rm(d.staging, { recursive: true, force: true }).catch(() => undefined);
      }
      throw err;
    }
  });
}
