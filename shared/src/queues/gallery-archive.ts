import { z } from 'zod';
import { channels } from '../contracts/channels';
import { galleryArchiveSpec } from '../contracts/kinds';
import { defineJobKind } from './define';

export const galleryArchivePayload = z.object({
  galleryId: z.string().uuid(),
  /** The gallery_archives row this operation writes (created pending by whoever enqueues). */
  archiveId: z.string().uuid(),
});
export const galleryArchiveResult = z.object({
  archiveId: z.string(),
  version: z.number().int(),
  storagePath: z.string(),
  size: z.number(),
  sha256: z.string(),
  imageCount: z.number().int(),
  emailsSent: z.number().int(),
  emailsFailed: z.number().int(),
});

/**
 * Retries per the seed: 3 more attempts after the first, backoff 2 s, 4 s, 8 s. One operation per
 * archive at a time (exclusive key); one live archive per image set is the database's partial
 * unique index on gallery_archives.
 */
export const galleryArchive = defineJobKind({
  spec: galleryArchiveSpec,
  payload: galleryArchivePayload,
  result: galleryArchiveResult,
  attempts: 4,
  backoffMs: 2000,
  scopeId: (p) => p.galleryId,
  channel: (p) => channels.galleryArchive(p.galleryId),
  exclusiveKey: (p) => `gallery-archive:${p.archiveId}`,
  // No clean-up hook: a cancelled run's multipart upload is aborted by the S3 driver, and an
  // archive whose operation ended without finishing is marked failed by reconcileGalleryArchives
  // (gallery/publish.ts; cron and every publish run it).
});
