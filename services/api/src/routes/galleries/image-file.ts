import { pipeline } from 'node:stream/promises';
import { NotFoundError } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { imageParams, requireOwnGallery, storesOf } from './common';

export const getGalleryImageFile = defineRoute({
  method: 'get',
  path: '/api/galleries/:id/images/:imageId/file',
  summary: 'The original image (the gallery page scales it down as its thumbnail)',
  tags: ['galleries'],
  access: { kind: 'user' },
  params: imageParams,
  raw: true,
  async handler({ deps, params, user, res }) {
    const g = await requireOwnGallery(deps, user, params.id);
    const img = await deps.prisma.galleryImage.findFirst({ where: { id: params.imageId, galleryId: g.id } });
    if (!img) throw new NotFoundError('IMAGE_NOT_FOUND', `Image ${params.imageId} not found in this gallery`);
    const body = await storesOf(deps).images.get(img.storageKey);
    res.setHeader('Content-Type', img.contentType);
    res.setHeader('Content-Length', String(img.size));
    res.setHeader('Cache-Control', 'private, max-age=86400, immutable');
    res.setHeader('ETag', `"${img.sha256}"`);
    try {
      await pipeline(body, res);
    } catch (err) {
      deps.logger.warn({ err, image: img.id }, 'image download interrupted');
      res.destroy();
    }
  },
});
