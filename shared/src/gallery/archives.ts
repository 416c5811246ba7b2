import { channels } from '../contracts/channels';
import type { PrismaClient } from '../db';
import { AppError, ConflictError, errorMessage } from '../errors';
import type { GalleryArchive } from '../generated/prisma/client';
import { ACTIVE_STATUSES } from '../contracts/operations';
import { enqueueOperation, isUniqueViolation, type EnqueueDeps } from '../operations';
import { galleryArchive } from '../queues/gallery-archive';
import { archiveKey } from './stores';
import { imagesHash } from './tokens';

export type ArchiveStatusName = 'none' | 'pending' | 'processing' | 'ready' | 'outdated' | 'failed';

const LIVE = ['pending', 'processing', 'completed'] as const;

/** The gallery's image ids, sorted, and their hash. */
export async function currentImageSet(prisma: PrismaClient, galleryId: string) {
  const rows = await prisma.galleryImage.findMany({ where: { galleryId }, select: { id: true } });
  const ids = rows.map((r) => r.id).sort();
  return { ids, hash: imagesHash(ids) };
}

/**
 * An archive still pending or processing whose operation ended without finishing it (failed,
 * cancelled, expired: e.g. its worker died for good and the reaper ended it) is marked failed with
 * the operation's error, so it can be regenerated. Returns how many were fixed.
 */
export async function reconcileGalleryArchives(prisma: PrismaClient, galleryId?: string): Promise<number> {
  const open = await prisma.galleryArchive.findMany({
    where: {
      status: { in: ['pending', 'processing'] },
      operationId: { not: null },
      ...(galleryId ? { galleryId } : {}),
    },
    select: { id: true, operationId: true },
  });
  let fixed = 0;
  for (const a of open) {
    const op = await prisma.operation.findUnique({ where: { id: a.operationId! } });
    if (op && (ACTIVE_STATUSES as readonly string[]).includes(op.status)) continue;
    if (op?.status === 'succeeded') continue;
    const res = await prisma.galleryArchive.updateMany({
      where: { id: a.id, status: { in: ['pending', 'processing'] }, operationId: a.operationId },
      data: {
        status: 'failed',
        errorMessage: op?.error ?? (op ? `The archive job ended ${op.status}` : 'The archive job was lost'),
      },
    });
    fixed += res.count;
  }
  return fixed;
}

/** archive_status of a gallery and the archive it describes (the current image set's, else the latest). */
export async function galleryArchiveState(
  prisma: PrismaClient,
  galleryId: string,
): Promise<{ status: ArchiveStatusName; archive: GalleryArchive | null; imagesHash: string }> {
  const { hash } = await currentImageSet(prisma, galleryId);
  const current = await prisma.galleryArchive.findFirst({
    where: { galleryId, imagesHash: hash },
    orderBy: { version: 'desc' },
  });
  if (current && current.status !== 'outdated') {
    const status: ArchiveStatusName =
      current.status === 'completed' ? 'ready' : (current.status as 'pending' | 'processing' | 'failed');
    return { status, archive: current, imagesHash: hash };
  }
  const latest = await prisma.galleryArchive.findFirst({
    where: { galleryId },
    orderBy: { version: 'desc' },
  });
  return { status: latest ? 'outdated' : 'none', archive: latest, imagesHash: hash };
}

export interface RequestArchiveResult {
  archive: GalleryArchive;
  operationId: string | null;
  channel: string;
  /** true when an existing archive (completed, or already being made) answers the request */
  reused: boolean;
}

/**
 * Publish: the archive of the gallery's current image set. The same set reuses its completed
 * archive (no new job) or the one being made (never a second job: the partial unique index on
 * gallery_archives and the operation's exclusive key); a failed one is made again under its id; a
 * new set gets the next version and the gallery's other completed archives are marked outdated.
 */
export async function requestGalleryArchive(
  deps: EnqueueDeps,
  galleryId: string,
  opts: { createdBy: string },
): Promise<RequestArchiveResult> {
  const { prisma } = deps;
  const channel = channels.galleryArchive(galleryId);
  await reconcileGalleryArchives(prisma, galleryId);
  const { ids, hash } = await currentImageSet(prisma, galleryId);
  if (ids.length === 0)
    throw new AppError('GALLERY_EMPTY', 'The gallery has no images yet; upload some before publishing', 422);

  for (let round = 0; round < 5; round++) {
    const live = await prisma.galleryArchive.findFirst({
      where: { galleryId, imagesHash: hash, status: { in: [...LIVE] } },
    });
    if (live) {
      if (live.status === 'completed' || (live.operationId && (await isActive(prisma, live.operationId))))
        return { archive: live, operationId: live.operationId, channel, reused: true };
      // pending without a job (queue was down, or the cron will pick it up): enqueue it now
      return await enqueueFor(deps, live, opts.createdBy, true);
    }
    const failed = await prisma.galleryArchive.findFirst({
      where: { galleryId, imagesHash: hash, status: 'failed' },
      orderBy: { version: 'desc' },
    });
    try {
      let archive: GalleryArchive;
      if (failed) {
        // Regenerate: the same version and id, made again.
        archive = await prisma.galleryArchive.update({
          where: { id: failed.id, status: 'failed' },
          data: { status: 'pending', errorMessage: null, operationId: null },
        });
      } else {
        const top = await prisma.galleryArchive.aggregate({ where: { galleryId }, _max: { version: true } });
        const version = (top._max.version ?? 0) + 1;
        archive = await prisma.galleryArchive.create({
          data: {
            galleryId,
            version,
            imagesHash: hash,
            imageIds: ids,
            imageCount: ids.length,
            storagePath: archiveKey(galleryId, version),
            status: 'pending',
          },
        });
      }
      await markOthersOutdated(prisma, galleryId, hash);
      return await enqueueFor(deps, archive, opts.createdBy, false);
    } catch (err) {
      // Another request created (or regenerated) it at the same moment: answer with that one.
      if (isUniqueViolation(err) || (err as { code?: string }).code === 'P2025') continue;
      throw err;
    }
  }
  throw new ConflictError(
    'ARCHIVE_BUSY',
    'The gallery archive is being changed by another request; try again',
  );
}

async function isActive(prisma: PrismaClient, operationId: string): Promise<boolean> {
  const op = await prisma.operation.findUnique({ where: { id: operationId }, select: { status: true } });
  return !!op && (ACTIVE_STATUSES as readonly string[]).includes(op.status);
}

/** Completed archives of other image sets are outdated once a new set is being archived. */
export async function markOthersOutdated(
  prisma: PrismaClient,
  galleryId: string,
  hash: string,
): Promise<void> {
  await prisma.galleryArchive.updateMany({
    where: { galleryId, status: 'completed', imagesHash: { not: hash } },
    data: { status: 'outdated' },
  });
}

async function enqueueFor(
  deps: EnqueueDeps,
  archive: GalleryArchive,
  createdBy: string,
  reused: boolean,
): Promise<RequestArchiveResult> {
  try {
    const { operationId, channel } = await enqueueOperation(
      deps,
      galleryArchive,
      { galleryId: archive.galleryId, archiveId: archive.id },
      {
        createdBy,
        enqueuedMessage: `Queued archive version ${archive.version} (${archive.imageCount} images)`,
      },
    );
    const updated = await deps.prisma.galleryArchive.update({
      where: { id: archive.id },
      data: { operationId },
    });
    return { archive: updated, operationId, channel, reused };
  } catch (err) {
    if (err instanceof ConflictError && err.code === 'OPERATION_ACTIVE') {
      const active = (err.details as { activeOperationId?: string } | undefined)?.activeOperationId ?? null;
      const row = await deps.prisma.galleryArchive.findUniqueOrThrow({ where: { id: archive.id } });
      return {
        archive: row,
        operationId: active,
        channel: channels.galleryArchive(archive.galleryId),
        reused: true,
      };
    }
    throw err;
  }
}

/**
 * The cron duty (`POST /api/cron/process-archives` and the in-system schedule): archives whose
 * job ended unfinished are marked failed, and every pending archive without a running job is
 * enqueued. Idempotent.
 */
export async function processPendingArchives(
  deps: EnqueueDeps,
): Promise<{ enqueued: number; failed: number; errors: string[] }> {
  const failed = await reconcileGalleryArchives(deps.prisma);
  const pending = await deps.prisma.galleryArchive.findMany({
    where: { status: 'pending' },
    include: { gallery: { include: { owner: { select: { username: true } } } } },
    take: 500,
  });
  let enqueued = 0;
  const errors: string[] = [];
  for (const a of pending) {
    if (a.operationId && (await isActive(deps.prisma, a.operationId))) continue;
    try {
      const r = await enqueueFor(deps, a, a.gallery.owner.username, false);
      if (!r.reused) enqueued++;
    } catch (err) {
      errors.push(`${a.id}: ${errorMessage(err)}`);
    }
  }
  return { enqueued, failed, errors };
}
