import { z } from 'zod';
import { ConflictError, NotFoundError, isUniqueViolation } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { clientParams, galleryParams, requireOwnGallery } from './common';

export const addGalleryClient = defineRoute({
  method: 'post',
  path: '/api/galleries/:id/clients',
  summary: 'Add a client (notified by e-mail when an archive is ready, unless notify_on_archive is false)',
  tags: ['galleries'],
  access: { kind: 'user' },
  params: galleryParams,
  body: z.object({
    email: z.string().trim().toLowerCase().email().max(320),
    name: z.string().trim().min(1).max(200).optional(),
    notify_on_archive: z.boolean().default(true),
  }),
  response: z.object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    notify_on_archive: z.boolean(),
  }),
  status: 201,
  async handler({ deps, params, body, user }) {
    const g = await requireOwnGallery(deps, user, params.id);
    try {
      const c = await deps.prisma.galleryClient.create({
        data: {
          galleryId: g.id,
          email: body.email,
          name: body.name ?? null,
          notifyOnArchive: body.notify_on_archive,
        },
      });
      return { id: c.id, email: c.email, name: c.name, notify_on_archive: c.notifyOnArchive };
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ConflictError('CLIENT_EXISTS', `${body.email} is already a client of this gallery`);
      throw err;
    }
  },
});

export const deleteGalleryClient = defineRoute({
  method: 'delete',
  path: '/api/galleries/:id/clients/:clientId',
  summary: 'Remove a client',
  tags: ['galleries'],
  access: { kind: 'user' },
  params: clientParams,
  async handler({ deps, params, user }) {
    const g = await requireOwnGallery(deps, user, params.id);
    const res = await deps.prisma.galleryClient.deleteMany({
      where: { id: params.clientId, galleryId: g.id },
    });
    if (res.count === 0)
      throw new NotFoundError('CLIENT_NOT_FOUND', `Client ${params.clientId} not found in this gallery`);
    return undefined;
  },
});
