import bcrypt from 'bcryptjs';
import { z } from 'zod';
import { UnauthorizedError, galleryArchiveState, requestGalleryArchive } from '@arkive/shared';
import { clientAddress, LoginLimiter } from '../../auth/login-limiter';
import { defineRoute } from '../../http/route';
import { archiveRedirectUrl } from './archive-url';
import { galleryNotFound, galleryParams, ownsGallery, throttleDownload } from './common';

/**
 * The public "Download all" of a gallery (what a client's page calls): 302 to a signed URL when the
 * archive of the current image set is ready, else 202 {status} (creating the archive if there is
 * none). A password-protected gallery needs `X-Gallery-Password` (or `?password=`), except for its
 * owner. Throttled per client address.
 */
export const downloadGallery = defineRoute({
  method: 'get',
  path: '/api/galleries/:id/download',
  summary:
    'Public download: 302 to a signed URL (7 days) when ready, 202 {status} while it is made (created if needed); password when set; throttled. ?mode=json answers 200 {status, url} instead of 302',
  tags: ['galleries'],
  access: { kind: 'public' },
  params: galleryParams,
  query: z.object({
    password: z.string().max(200).optional(),
    mode: z.enum(['redirect', 'json']).default('redirect'),
  }),
  raw: true,
  async handler({ deps, params, query, user, req, res }) {
    await throttleDownload(deps, req, params.id);
    const g = await deps.prisma.gallery.findUnique({
      where: { id: params.id },
      include: { owner: { select: { username: true } } },
    });
    if (!g) throw galleryNotFound(params.id);
    if (g.passwordHash && !ownsGallery(user, g)) {
      const given = req.header('x-gallery-password') ?? query.password;
      if (!given)
        throw new UnauthorizedError('This gallery is protected by a password', 'GALLERY_PASSWORD_REQUIRED');
      // Wrong passwords count like failed sign-ins (LOGIN_MAX_FAILURES per address and gallery,
      // LOGIN_MAX_FAILURES_PER_IP over everything, then a slowdown for the gallery): 429 when throttled.
      const attempt = await new LoginLimiter(deps.redis, deps.config).reserve(
        `gallery-password:${g.id}`,
        clientAddress(req),
      );
      if (!(await bcrypt.compare(given, g.passwordHash))) {
        await attempt.failed();
        throw new UnauthorizedError('Wrong password for this gallery', 'GALLERY_PASSWORD_INVALID');
      }
      await attempt.succeeded();
    }
    let state = await galleryArchiveState(deps.prisma, g.id);
    if (state.status === 'ready' && state.archive) {
      const url = await archiveRedirectUrl(deps, state.archive);
      res.setHeader('Cache-Control', 'private, no-store');
      if (query.mode === 'json') {
        res
          .status(200)
          .json({ status: 'ready', url, archiveId: state.archive.id, version: state.archive.version });
        return;
      }
      res.redirect(302, url);
      return;
    }
    if (state.status !== 'pending' && state.status !== 'processing') {
      await requestGalleryArchive(deps, g.id, { createdBy: g.owner.username });
      state = await galleryArchiveState(deps.prisma, g.id);
    }
    res.status(202).json({
      status: state.status === 'processing' ? 'processing' : 'pending',
      archiveId: state.archive?.id ?? null,
      version: state.archive?.version ?? null,
    });
  },
});
