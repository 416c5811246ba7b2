import { NotFoundError } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { imageParams, requireOwnGallery, storesOf } from './common';

export const deleteGalleryImage = defineRoute({
  method: 'delete',
  path: '/api/galleries/:id/images/:imageId',
  summary: 'Remove an image (the current archive becomes outdated; archived versions keep their copy)',
  tags: ['galleries'],
  access: { kind: 'user' },
  params: imageParams,
  async handler({ deps, params, user }) {
    const g = await requireOwnGallery(deps, user, params.id);
    const img = await deps.prisma.galleryImage.findFirst({ where: { id: params.imageId, galleryId: g.id } });
    if (!img) throw new NotFoundError('IMAGE_NOT_FOUND', `Image ${params.imageId} not found in this gallery`);
    await deps.prisma.galleryImage.delete({ where: { id: img.id } });
    const stores = storesOf(deps);
    await stores.images.delete(img.storageKey).catch(() => undefined);
    if (img.thumbKey) await stores.images.delete(img.thumbKey).catch(() => undefined);
    return undefined;
  },
});
