import type { Config } from '../config';
import type { PrismaClient } from '../db';
import type { Logger } from '../logger';
import type { GalleryStores } from './stores';

const DAY_MS = 86_400_000;

/** When a version made at `completedAt` may go once it is outdated; null = kept (retention 0). */
export function archiveExpiry(config: Pick<Config, 'galleries'>, completedAt: Date): Date | null {
  const days = config.galleries.archiveRetentionDays;
  return days > 0 ? new Date(completedAt.getTime() + days * DAY_MS) : null;
}

/**
 * A link handed out (e-mail, re-issued link) keeps its archive at least as long as the link is
 * valid: retention never breaks a link someone was sent.
 */
export async function holdArchiveForLink(
  prisma: PrismaClient,
  archiveId: string,
  linkExpiresAt: Date,
): Promise<void> {
  await prisma.galleryArchive.updateMany({
    where: { id: archiveId, expiresAt: { lt: linkExpiresAt } },
    data: { expiresAt: linkExpiresAt },
  });
}

export interface ExpireResult {
  expired: { id: string; galleryId: string; version: number }[];
  failed: { id: string; error: string }[];
}

/**
 * Retention (maintenance duty `expire-gallery-archives`): outdated versions whose `expires_at` has
 * passed are deleted from the archives bucket and marked `expired` (the row, its e-mails and its
 * checksum stay as the record). The current image set's archive is never expired: its images are
 * the gallery's. Versions made before retention existed get their `expires_at` from their
 * completion time first. Bounded per call; a deletion that fails is retried next time.
 */
export async function expireGalleryArchives(
  deps: { prisma: PrismaClient; config: Config; stores: GalleryStores; logger?: Logger },
  now = new Date(),
  limit = 100,
): Promise<ExpireResult> {
  const { prisma, config, stores } = deps;
  const result: ExpireResult = { expired: [], failed: [] };
  if (config.galleries.archiveRetentionDays <= 0) return result;
  const undated = await prisma.galleryArchive.findMany({
    where: { status: { in: ['completed', 'outdated'] }, expiresAt: null, completedAt: { not: null } },
    select: { id: true, completedAt: true },
    take: 1000,
  });
  for (const a of undated)
    await prisma.galleryArchive.updateMany({
      where: { id: a.id, expiresAt: null },
      data: { expiresAt: archiveExpiry(config, a.completedAt!) },
    });
  const due = await prisma.galleryArchive.findMany({
    where: { status: 'outdated', expiresAt: { lt: now } },
    select: { id: true, galleryId: true, version: true, storagePath: true },
    orderBy: { expiresAt: 'asc' },
    take: limit,
  });
  for (const a of due) {
    try {
      // Marked first, so no new link or download starts on a ZIP that is about to go.
      const marked = await prisma.galleryArchive.updateMany({
        where: { id: a.id, status: 'outdated', expiresAt: { lt: now } },
        data: { status: 'expired' },
      });
      if (!marked.count) continue;
      await stores.archives.delete(a.storagePath);
      result.expired.push({ id: a.id, galleryId: a.galleryId, version: a.version });
    } catch (err) {
      // Put it back so the next run deletes it again (the object may still be there).
      await prisma.galleryArchive
        .updateMany({ where: { id: a.id, status: 'expired' }, data: { status: 'outdated' } })
        .catch(() => undefined);
      result.failed.push({ id: a.id, error: (err as Error).message });
      deps.logger?.warn({ err, archive: a.id }, 'gallery archive retention: delete failed');
    }
  }
  return result;
}
