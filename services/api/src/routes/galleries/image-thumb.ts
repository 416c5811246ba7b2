import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import { NotFoundError, thumbKey } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { imageParams, requireOwnGallery, storesOf } from './common';

export const THUMB_SIZE = 400;

/**
 * An image's thumbnail (WebP, 400 px square, cover), generated once with sharp into the images
 * bucket beside the original (`galleries/<id>/thumbs/<imageId>.webp`) and served from there
 * afterwards. A format sharp cannot decode here (HEIC needs a libvips with HEVC) falls back to
 * the original, which the browser scales.
 */
export const getGalleryImageThumb = defineRoute({
  method: 'get',
  path: '/api/galleries/:id/images/:imageId/thumb',
  summary: 'An image’s thumbnail (WebP, generated once into the images bucket); falls back to the original',
  tags: ['galleries'],
  access: { kind: 'user' },
  params: imageParams,
  raw: true,
  async handler({ deps, params, user, res }) {
    const g = await requireOwnGallery(deps, user, params.id);
    const img = await deps.prisma.galleryImage.findFirst({ where: { id: params.imageId, galleryId: g.id } });
    if (!img) throw new NotFoundError('IMAGE_NOT_FOUND', `Image ${params.imageId} not found in this gallery`);
    const store = storesOf(deps).images;
    let data: Buffer | null = null;
    if (!img.thumbKey) {
      try {
        const transform = sharp({ limitInputPixels: 268_402_689 })
          .rotate()
          .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'cover' })
          .webp({ quality: 75 });
        const [out] = await Promise.all([
          transform.toBuffer(),
          pipeline(await store.get(img.storageKey), transform),
        ]);
        data = out;
        const key = thumbKey(g.id, img.id);
        await store.put(key, data, { contentType: 'image/webp' });
        await deps.prisma.galleryImage.update({ where: { id: img.id }, data: { thumbKey: key } });
      } catch (err) {
        deps.logger.info({ err, image: img.id }, 'no thumbnail for this image; sending the original');
        res.redirect(302, `/api/galleries/${g.id}/images/${img.id}/file`);
        return;
      }
    }
    res.setHeader('Content-Type', 'image/webp');
    res.setHeader('Cache-Control', 'private, max-age=86400, immutable');
    if (data) {
      res.setHeader('Content-Length', String(data.length));
      res.end(data);
      return;
    }
    try {
      await pipeline(await store.get(img.thumbKey!), res);
    } catch (err) {
      deps.logger.warn({ err, image: img.id }, 'thumbnail download interrupted');
      res.destroy();
    }
  },
});
