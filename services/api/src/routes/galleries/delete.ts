import { defineRoute } from '../../http/route';
import { galleryParams, requireOwnGallery, storesOf } from './common';

export const deleteGallery = defineRoute({
  method: 'delete',
  path: '/api/galleries/:id',
  summary: 'Delete a gallery with its images, clients and archives (rows and bucket objects)',
  tags: ['galleries'],
  access: { kind: 'user' },
  params: galleryParams,
  async handler({ deps, params, user }) {
    const g = await requireOwnGallery(deps, user, params.id);
    const stores = storesOf(deps);
    // Rows first (nobody can reach the gallery any more), then the objects.
    await deps.prisma.gallery.delete({ where: { id: g.id } });
    for (const store of [stores.images, stores.archives])
      for await (const o of store.listAll(`galleries/${g.id}/`))
        await store
          .delete(o.key)
          .catch((err: unknown) => deps.logger.warn({ err, key: o.key }, 'gallery object not deleted'));
    return undefined;
  },
});
