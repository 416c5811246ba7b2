import { z } from 'zod';
import { NotFoundError, archiveLinks, holdArchiveForLink, sendArchiveEmail } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { assertDownloadable } from './archive-url';
import { archiveParams, requireOwnGallery } from './common';

async function requireArchive(
  deps: Parameters<typeof requireOwnGallery>[0],
  galleryId: string,
  archiveId: string,
) {
  const a = await deps.prisma.galleryArchive.findFirst({ where: { id: archiveId, galleryId } });
  if (!a) throw new NotFoundError('ARCHIVE_NOT_FOUND', `Archive ${archiveId} not found in this gallery`);
  assertDownloadable(a);
  return a;
}

export const issueArchiveLink = defineRoute({
  method: 'post',
  path: '/api/galleries/:id/archives/:archiveId/link',
  summary: 'Issue a new signed download link for an archive (no recompression), valid GALLERY_LINK_DAYS',
  tags: ['galleries'],
  access: { kind: 'user' },
  params: archiveParams,
  response: z.object({ url: z.string(), page_url: z.string(), expires_at: z.string() }),
  status: 201,
  async handler({ deps, params, user }) {
    const g = await requireOwnGallery(deps, user, params.id);
    const a = await requireArchive(deps, g.id, params.archiveId);
    const l = archiveLinks(deps.config, g.id, a.id);
    await holdArchiveForLink(deps.prisma, a.id, l.expiresAt);
    return { url: l.downloadUrl, page_url: l.pageUrl, expires_at: l.expiresAt.toISOString() };
  },
});

export const resendArchiveEmail = defineRoute({
  method: 'post',
  path: '/api/galleries/:id/archives/:archiveId/resend',
  summary:
    'E-mail an archive again (a fresh signed link) to one address; the outcome is recorded and returned',
  tags: ['galleries'],
  access: { kind: 'user' },
  params: archiveParams,
  body: z.object({ email: z.string().trim().toLowerCase().email().max(320) }),
  response: z.object({
    email: z.string(),
    status: z.enum(['sent', 'failed']),
    error: z.string().optional(),
    transport: z.string(),
  }),
  async handler({ deps, params, body, user }) {
    const g = await requireOwnGallery(deps, user, params.id);
    const a = await requireArchive(deps, g.id, params.archiveId);
    const client = await deps.prisma.galleryClient.findFirst({
      where: { galleryId: g.id, email: body.email },
    });
    return sendArchiveEmail(deps, a.id, { email: body.email, name: client?.name });
  },
});
