import { galleryArchiveState } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { page, pageSchema, paginationQuery } from '../../http/pagination';
import { gallerySummarySchema } from './common';

export const listGalleries = defineRoute({
  method: 'get',
  path: '/api/galleries',
  summary: 'Your galleries (administrators: everyone’s), newest first, with their archive_status',
  tags: ['galleries'],
  access: { kind: 'user' },
  query: paginationQuery,
  response: pageSchema(gallerySummarySchema),
  async handler({ deps, query, user }) {
    const where = user!.isAdmin ? {} : { ownerId: user!.id };
    const [rows, total] = await Promise.all([
      deps.prisma.gallery.findMany({
        where,
        orderBy: { createdAt: 'desc' },
        skip: query.offset,
        take: query.limit,
        include: { owner: { select: { username: true } }, _count: { select: { images: true } } },
      }),
      deps.prisma.gallery.count({ where }),
    ]);
    const items = [];
    for (const g of rows) {
      const state = await galleryArchiveState(deps.prisma, g.id);
      items.push({
        id: g.id,
        title: g.title,
        owner: g.owner.username,
        has_password: g.passwordHash !== null,
        image_count: g._count.images,
        archive_status: state.status,
        created_at: g.createdAt.toISOString(),
      });
    }
    return page(items, total, query);
  },
});
