import { z } from 'zod';
import { requestGalleryArchive } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { creatorOf, galleryParams, requireOwnGallery } from './common';

export const publishGallery = defineRoute({
  method: 'post',
  path: '/api/galleries/:id/publish',
  summary:
    'Publish: archive the current image set (202; progress on gallery:<id>:archive). The same set reuses its archive; a changed set makes a new version',
  tags: ['galleries'],
  access: { kind: 'user' },
  params: galleryParams,
  response: z.object({
    operationId: z.string().nullable(),
    channel: z.string(),
    archiveId: z.string(),
    version: z.number(),
    status: z.string(),
    reused: z.boolean(),
  }),
  status: 202,
  async handler({ deps, params, user }) {
    const g = await requireOwnGallery(deps, user, params.id);
    const r = await requestGalleryArchive(deps, g.id, { createdBy: creatorOf(g) });
    return {
      operationId: r.operationId,
      channel: r.channel,
      archiveId: r.archive.id,
      version: r.archive.version,
      status: r.archive.status,
      reused: r.reused,
    };
  },
});
