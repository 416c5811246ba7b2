import type { z } from 'zod';
import {
  CancelledError,
  PermanentError,
  ShutdownError,
  archiveExpiry,
  checkStoredGalleryZip,
  classifyError,
  errorMessage,
  galleryArchive,
  galleryStores,
  notifyArchiveClients,
  progressPump,
  registerProcessor,
  uploadGalleryZip,
  type ProcessorContext,
  type galleryArchivePayload,
  type galleryArchiveResult,
} from '@arkive/shared';

type Payload = z.infer<typeof galleryArchivePayload>;
type Result = z.infer<typeof galleryArchiveResult>;

/** Entry names as uploaded, made unique ("a.jpg", "a (2).jpg") and safe as ZIP names. */
export function entryNames(names: string[]): string[] {
  const used = new Set<string>();
  return names.map((raw) => {
    const clean =
      raw
        .replace(/[\\/\0]/g, '_')
        .replace(/^\.+/, '_')
        .trim() || 'image';
    let name = clean;
    const dot = clean.lastIndexOf('.');
    const [base, ext] = dot > 0 ? [clean.slice(0, dot), clean.slice(dot)] : [clean, ''];
    for (let i = 2; used.has(name.toLowerCase()); i++) name = `${base} (${i})${ext}`;
    used.add(name.toLowerCase());
    return name;
  });
}

/**
 * One gallery ZIP: every image of the archived set streams from the images bucket (several
 * downloads in flight) through the ZIP writer into a multipart upload to
 * `galleries/<galleryId>/archives/<version>.zip`; SHA-256 and size are computed on the way and
 * checked with a HEAD; then the clients are e-mailed (failures recorded, never failing the archive).
 */
export async function processGalleryArchive(ctx: ProcessorContext<Payload>): Promise<Result> {
  const { galleryId, archiveId } = ctx.payload;
  const { prisma, config } = ctx;
  const archive = await prisma.galleryArchive.findUnique({
    where: { id: archiveId },
    include: { gallery: true },
  });
  if (!archive || archive.galleryId !== galleryId)
    throw new PermanentError(
      `Archive ${archiveId} of gallery ${galleryId} does not exist`,
      'ARCHIVE_NOT_FOUND',
    );
  const stores = galleryStores(config);
  let size = Number(archive.fileSizeBytes ?? 0);
  let sha256 = archive.checksum ?? '';
  try {
    // A retry that starts at the e-mails (past the point of no return) finds the archive complete.
    if (!(ctx.startStage === 'notifying' && archive.status === 'completed')) {
      await ctx.enterStage('archiving', `Zipping ${archive.imageCount} images`);
      await prisma.galleryArchive.update({
        where: { id: archiveId },
        data: { status: 'processing', errorMessage: null, operationId: ctx.operation.id },
      });
      const ids = archive.imageIds as string[];
      const images = await prisma.galleryImage.findMany({ where: { id: { in: ids } } });
      if (images.length !== ids.length)
        throw new PermanentError(
          `${ids.length - images.length} of the ${ids.length} images of this version were deleted since it was published; publish the gallery again`,
          'GALLERY_IMAGE_MISSING',
        );
      images.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
      const names = entryNames(images.map((i) => i.name));
      const bytesTotal = images.reduce((n, i) => n + Number(i.size), 0);
      const pump = progressPump(ctx);
      let zip;
      try {
        zip = await uploadGalleryZip({
          images: stores.images,
          archives: stores.archives,
          key: archive.storagePath,
          entries: images.map((img, i) => ({
            name: names[i],
            size: Number(img.size),
            mtimeMs: img.createdAt.getTime(),
            storageKey: img.storageKey,
          })),
          concurrency: config.galleries.archiveConcurrency,
          label: archive.gallery.title,
          signal: ctx.signal,
          onProgress: (p) =>
            pump.send({
              stage: 'archiving',
              fraction:
                bytesTotal > 0 ? p.bytesDone / bytesTotal : p.entriesDone / Math.max(1, images.length),
              current: p.bytesDone,
              total: bytesTotal,
              unit: 'bytes',
              message: `${p.entriesDone} of ${images.length} images zipped`,
              detail: { images: { done: p.entriesDone, total: images.length } },
            }),
        });
      } finally {
        await pump.drain();
      }
      size = zip.size;
      sha256 = zip.sha256;

      await ctx.enterStage('verifying', 'Checking the uploaded archive');
      ctx.throwIfStopped();
      await checkStoredGalleryZip(stores.archives, archive.storagePath, zip);
      ctx.throwIfStopped();
      const completedAt = new Date();
      await prisma.$transaction([
        prisma.galleryArchive.update({
          where: { id: archiveId },
          data: {
            status: 'completed',
            fileSizeBytes: BigInt(size),
            checksum: sha256,
            completedAt,
            expiresAt: archiveExpiry(config, completedAt),
            errorMessage: null,
          },
        }),
        // Older completed versions are outdated by this one.
        prisma.galleryArchive.updateMany({
          where: { galleryId, status: 'completed', version: { lt: archive.version } },
          data: { status: 'outdated' },
        }),
      ]);
      await ctx.report.status(
        `Archive version ${archive.version} is ready (${size} bytes, SHA-256 ${sha256})`,
      );
    }

    await ctx.enterStage('notifying', 'E-mailing the clients');
    const outcomes = await notifyArchiveClients({ prisma, config }, archiveId, (o) => {
      void ctx.report.log(
        o.status === 'sent' ? 'INFO' : 'WARNING',
        o.status === 'sent' ? `E-mailed ${o.email}` : `E-mail to ${o.email} failed: ${o.error}`,
      );
    });
    const sent = outcomes.filter((o) => o.status === 'sent').length;
    return {
      archiveId,
      version: archive.version,
      storagePath: archive.storagePath,
      size,
      sha256,
      imageCount: archive.imageCount,
      emailsSent: sent,
      emailsFailed: outcomes.length - sent,
    };
  } catch (err) {
    // A cancelled archive leaves nothing behind (an aborted multipart upload stores nothing; an
    // upload that finished before the cancel is removed).
    if (err instanceof CancelledError)
      await stores.archives.delete(archive.storagePath).catch(() => undefined);
    await recordFailure(ctx, err);
    throw err;
  }
}

/** The archive row says why when the operation will not try again (retries keep it processing). */
async function recordFailure(ctx: ProcessorContext<Payload>, err: unknown): Promise<void> {
  if (err instanceof ShutdownError) return;
  const final =
    err instanceof CancelledError ||
    classifyError(err) === 'permanent' ||
    ctx.operation.attempt >= ctx.operation.maxAttempts;
  await ctx.prisma.galleryArchive
    .updateMany({
      where: { id: ctx.payload.archiveId, status: { in: ['pending', 'processing'] } },
      data: final
        ? { status: 'failed', errorMessage: errorMessage(err) }
        : { errorMessage: `${errorMessage(err)} (retrying)` },
    })
    .catch(() => undefined);
}

export const galleryArchiveProcessor = registerProcessor(galleryArchive, processGalleryArchive);
