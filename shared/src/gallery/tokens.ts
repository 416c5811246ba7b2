import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config';
import { derivedKey } from '../auth/secret';
import { UnauthorizedError } from '../errors';

/** SHA-256 of the sorted image ids: the identity of an image set (idempotent archives). */
export function imagesHash(imageIds: readonly string[]): string {
  return createHash('sha256')
    .update([...imageIds].sort().join('\n'))
    .digest('hex');
}

function mac(config: Config, archiveId: string, exp: number): string {
  return createHmac('sha256', derivedKey(config, 'gallery-download'))
    .update(`${archiveId}.${exp}`)
    .digest('base64url');
}

/** A download token for one archive: `<expiry, unix seconds>.<HMAC>` (timestamp + signature). */
export function signDownloadToken(config: Config, archiveId: string, expiresAt: Date): string {
  const exp = Math.floor(expiresAt.getTime() / 1000);
  return `${exp}.${mac(config, archiveId, exp)}`;
}

/** Throws 401 LINK_INVALID / LINK_EXPIRED unless `token` was signed for this archive and is still valid. */
export function verifyDownloadToken(
  config: Config,
  archiveId: string,
  token: string,
  now = Date.now(),
): Date {
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) throw new UnauthorizedError('This download link is not valid', 'LINK_INVALID');
  const exp = Number(m[1]);
  const want = Buffer.from(mac(config, archiveId, exp));
  const got = Buffer.from(m[2]);
  if (want.length !== got.length || !timingSafeEqual(want, got))
    throw new UnauthorizedError('This download link is not valid', 'LINK_INVALID');
  if (exp * 1000 <= now)
    throw new UnauthorizedError(
      'This download link has expired; ask the photographer for a new one',
      'LINK_EXPIRED',
    );
  return new Date(exp * 1000);
}

/** The expiry of a link issued now (GALLERY_LINK_DAYS, at most 7 days: S3's presign limit). */
export function linkExpiry(config: Config, now = Date.now()): Date {
  return new Date(now + Math.min(config.galleries.linkDays * 86_400_000, 604_800_000));
}
