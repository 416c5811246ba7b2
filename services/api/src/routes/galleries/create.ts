import bcrypt from 'bcryptjs';
import { z } from 'zod';
import { defineRoute } from '../../http/route';

export const createGallery = defineRoute({
  method: 'post',
  path: '/api/galleries',
  summary: 'Create a gallery (you own it); an optional password protects its public download',
  tags: ['galleries'],
  access: { kind: 'user' },
  body: z.object({
    title: z.string().trim().min(1).max(200),
    password: z.string().min(4).max(200).optional(),
  }),
  response: z.object({ id: z.string() }),
  status: 201,
  async handler({ deps, body, user }) {
    const g = await deps.prisma.gallery.create({
      data: {
        ownerId: user!.id,
        title: body.title,
        passwordHash: body.password ? await bcrypt.hash(body.password, 10) : null,
      },
    });
    return { id: g.id };
  },
});
