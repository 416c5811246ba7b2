import { z } from 'zod';
import { NotFoundError, UnauthorizedError, verifyDownloadToken } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { archiveRedirectUrl, assertDownloadable, streamArchive } from './archive-url';
import { ownsGallery, throttleDownload } from './common';

/**
 * One archive version for its owner (session) or with a signed token (HMAC + timestamp, from an
 * e-mail or a re-issued link) → 302 to a signed bucket URL; on the local-filesystem bucket the ZIP
 * is sent directly.
 */
export const downloadArchive = defineRoute({
  method: 'get',
  path: '/api/download/:archiveId',
  summary: 'Download one archive version: owner session or ?token= (signed link) → 302 to a signed URL',
  tags: ['galleries'],
  access: { kind: 'public' },
  params: z.object({ archiveId: z.string().uuid() }),
  query: z.object({ token: z.string().max(200).optional() }),
  raw: true,
  async handler({ deps, params, query, user, req, res }) {
    const a = await deps.prisma.galleryArchive.findUnique({
      where: { id: params.archiveId },
      include: { gallery: true },
    });
    if (query.token !== undefined) {
      // The token is checked before anything about the archive is revealed.
      verifyDownloadToken(deps.config, params.archiveId, query.token);
      if (!a) throw new NotFoundError('ARCHIVE_NOT_FOUND', 'This archive no longer exists');
      await throttleDownload(deps, req, a.galleryId);
    } else {
      if (!user) throw new UnauthorizedError('Sign in, or use the download link you were sent');
      if (!a || !ownsGallery(user, a.gallery))
        throw new NotFoundError('ARCHIVE_NOT_FOUND', 'Archive not found');
    }
    assertDownloadable(a);
    const url = await archiveRedirectUrl(deps, a);
    // The local bucket cannot presign: its signed URL is this route again, so send the file.
    if (url.includes(`/api/download/${a.id}?`) && query.token !== undefined)
      return streamArchive(deps, a, a.gallery.title, res);
    res.setHeader('Cache-Control', 'private, no-store');
    res.redirect(302, url);
  },
});
