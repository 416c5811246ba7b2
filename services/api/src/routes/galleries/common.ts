import type { Request } from 'express';
import { z } from 'zod';
import {
  AppError,
  NotFoundError,
  galleryArchiveState,
  galleryStores,
  type GalleryStores,
} from '@arkive/shared';
import type { AppDeps } from '../../deps';
import type { AuthUser } from '../../auth/types';

export const galleryParams = z.object({ id: z.string().uuid() });
export const imageParams = galleryParams.extend({ imageId: z.string().uuid() });
export const clientParams = galleryParams.extend({ clientId: z.string().uuid() });
export const archiveParams = galleryParams.extend({ archiveId: z.string().uuid() });

const storeCache = new WeakMap<AppDeps, GalleryStores>();
/** The two gallery buckets, one pair per process. */
export function storesOf(deps: AppDeps): GalleryStores {
  let s = storeCache.get(deps);
  if (!s) storeCache.set(deps, (s = galleryStores(deps.config)));
  return s;
}

export const galleryNotFound = (id: string) =>
  new NotFoundError('GALLERY_NOT_FOUND', `Gallery ${id} not found`);

/**
 * The gallery if `user` may see it: its owner (the photographer) or an administrator. Anyone else
 * gets 404, as if it did not exist.
 */
export async function requireOwnGallery(deps: AppDeps, user: AuthUser | undefined, id: string) {
  const g = await deps.prisma.gallery.findUnique({
    where: { id },
    include: { owner: { select: { username: true } } },
  });
  if (!g || !user || (!user.isAdmin && g.ownerId !== user.id)) throw galleryNotFound(id);
  return g;
}

export function ownsGallery(user: AuthUser | undefined, g: { ownerId: number }): boolean {
  return !!user && (user.isAdmin || user.id === g.ownerId);
}

/** The owner's username: the creator of the gallery's operations (visibility rule: creator or admin). */
export const creatorOf = (g: { owner: { username: string } }) => g.owner.username;

const archiveSchema = z.object({
  id: z.string(),
  version: z.number(),
  status: z.string(),
  image_count: z.number(),
  size: z.number().nullable(),
  sha256: z.string().nullable(),
  error: z.string().nullable(),
  operation_id: z.string().nullable(),
  storage_path: z.string(),
  email_sent: z.boolean(),
  email_sent_at: z.string().nullable(),
  created_at: z.string(),
  completed_at: z.string().nullable(),
});
export const archiveStatusSchema = z.enum(['none', 'pending', 'processing', 'ready', 'outdated', 'failed']);

type ArchiveRow = NonNullable<Awaited<ReturnType<typeof galleryArchiveState>>['archive']>;
export function presentArchive(a: ArchiveRow) {
  return {
    id: a.id,
    version: a.version,
    status: a.status,
    image_count: a.imageCount,
    size: a.fileSizeBytes === null ? null : Number(a.fileSizeBytes),
    sha256: a.checksum,
    error: a.errorMessage,
    operation_id: a.operationId,
    storage_path: a.storagePath,
    email_sent: a.emailSent,
    email_sent_at: a.emailSentAt?.toISOString() ?? null,
    created_at: a.createdAt.toISOString(),
    completed_at: a.completedAt?.toISOString() ?? null,
  };
}

export const gallerySummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  owner: z.string(),
  has_password: z.boolean(),
  image_count: z.number(),
  archive_status: archiveStatusSchema,
  created_at: z.string(),
});

export const galleryDetailSchema = gallerySummarySchema.extend({
  channel: z.string(),
  images: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      size: z.number(),
      sha256: z.string(),
      content_type: z.string(),
      created_at: z.string(),
    }),
  ),
  clients: z.array(
    z.object({
      id: z.string(),
      email: z.string(),
      name: z.string().nullable(),
      notify_on_archive: z.boolean(),
      last_email: z.object({ status: z.string(), error: z.string().nullable(), at: z.string() }).nullable(),
    }),
  ),
  archive: archiveSchema.nullable(),
  archives: z.array(archiveSchema),
});

export const presentArchiveSchema = archiveSchema;

/** The caller's address as the trusted proxy saw it. */
export const clientIp = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/** Public download throttle: GALLERY_DOWNLOADS_PER_MINUTE per client address and gallery. */
export async function throttleDownload(deps: AppDeps, req: Request, galleryId: string): Promise<void> {
  const key = `${deps.config.redisPrefix}gallery-dl:${galleryId}:${clientIp(req)}`;
  const n = await deps.redis.incr(key);
  if (n === 1) await deps.redis.expire(key, 60);
  if (n > deps.config.galleries.downloadsPerMinute) {
    const ttl = await deps.redis.ttl(key);
    req.res?.setHeader('Retry-After', String(Math.max(1, ttl)));
    throw new AppError(
      'TOO_MANY_REQUESTS',
      'Too many download requests for this gallery; wait a minute',
      429,
    );
  }
}
