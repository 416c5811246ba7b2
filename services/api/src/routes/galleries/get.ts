import { channels, galleryArchiveState, reconcileGalleryArchives } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { galleryDetailSchema, galleryParams, presentArchive, requireOwnGallery } from './common';

export const getGallery = defineRoute({
  method: 'get',
  path: '/api/galleries/:id',
  summary: 'A gallery: images, clients (with their last e-mail), archive_status and the current archive',
  tags: ['galleries'],
  access: { kind: 'user' },
  params: galleryParams,
  response: galleryDetailSchema,
  async handler({ deps, params, user }) {
    const g = await requireOwnGallery(deps, user, params.id);
    await reconcileGalleryArchives(deps.prisma, g.id);
    // The state first, then the list with the state's own row in it: read side by side, a worker
    // finishing in between made archive_status say ready while the list still said processing.
    const state = await galleryArchiveState(deps.prisma, g.id);
    const [images, clients, listed] = await Promise.all([
      deps.prisma.galleryImage.findMany({ where: { galleryId: g.id }, orderBy: [{ name: 'asc' }] }),
      deps.prisma.galleryClient.findMany({ where: { galleryId: g.id }, orderBy: { createdAt: 'asc' } }),
      deps.prisma.galleryArchive.findMany({ where: { galleryId: g.id }, orderBy: { version: 'desc' } }),
    ]);
    const archives = listed.map((a) => (a.id === state.archive?.id ? state.archive : a));
    const emails = await deps.prisma.galleryArchiveEmail.findMany({
      where: { archiveId: { in: archives.map((a) => a.id) } },
      orderBy: { createdAt: 'desc' },
    });
    return {
      id: g.id,
      title: g.title,
      owner: g.owner.username,
      has_password: g.passwordHash !== null,
      image_count: images.length,
      archive_status: state.status,
      created_at: g.createdAt.toISOString(),
      channel: channels.galleryArchive(g.id),
      images: images.map((i) => ({
        id: i.id,
        name: i.name,
        size: Number(i.size),
        sha256: i.sha256,
        content_type: i.contentType,
        created_at: i.createdAt.toISOString(),
      })),
      clients: clients.map((c) => {
        const last = emails.find((e) => e.email.toLowerCase() === c.email.toLowerCase());
        return {
          id: c.id,
          email: c.email,
          name: c.name,
          notify_on_archive: c.notifyOnArchive,
          last_email: last
            ? { status: last.status, error: last.error, at: last.createdAt.toISOString() }
            : null,
        };
      }),
      archive: state.archive ? presentArchive(state.archive) : null,
      archives: archives.map(presentArchive),
    };
  },
});
