import { z } from 'zod';
import { defineRoute } from '../../http/route';
import { galleryNotFound, galleryParams } from './common';

export const publicGalleryInfo = defineRoute({
  method: 'get',
  path: '/api/galleries/:id/public',
  summary:
    "What a client's download page shows before the download: title, photographer, whether a password is needed",
  tags: ['galleries'],
  access: { kind: 'public' },
  params: galleryParams,
  response: z.object({
    id: z.string(),
    title: z.string(),
    photographer: z.string(),
    has_password: z.boolean(),
  }),
  async handler({ deps, params }) {
    const g = await deps.prisma.gallery.findUnique({
      where: { id: params.id },
      include: { owner: { select: { username: true } } },
    });
    if (!g) throw galleryNotFound(params.id);
    return {
      id: g.id,
      title: g.title,
      photographer: g.owner.username,
      has_password: g.passwordHash !== null,
    };
  },
});
