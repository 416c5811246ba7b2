import { z } from 'zod';
import { defineRoute } from '../../http/route';
import { page, pageSchema, paginationQuery } from '../../http/pagination';
import { visibleOperationsWhere } from '../../auth/visibility';
import { operationSchema } from './schemas';
import { presentOperations } from './present';

const statuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'expired'] as const;
const query = paginationQuery.extend({
  status: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',') : undefined))
    .pipe(z.array(z.enum(statuses)).optional()),
  kind: z.string().optional(),
  scopeType: z.enum(['run', 'folder', 'gallery', 'host', 'system']).optional(),
  scopeId: z.string().optional(),
});

export const listOperations = defineRoute({
  method: 'get',
  path: '/api/operations',
  summary: 'List operations you may see, newest first',
  tags: ['operations'],
  access: { kind: 'user' },
  query,
  response: pageSchema(operationSchema),
  async handler({ deps, query: q, user }) {
    const where = {
      AND: [
        await visibleOperationsWhere(user, deps),
        {
          ...(q.status ? { status: { in: q.status } } : {}),
          ...(q.kind ? { kind: q.kind } : {}),
          ...(q.scopeType ? { scopeType: q.scopeType } : {}),
          ...(q.scopeId ? { scopeId: q.scopeId } : {}),
          // Cleared from History ("Clear completed"): the record stays, the list leaves it out.
          hiddenAt: null,
        },
      ],
    };
    const [items, total] = await Promise.all([
      deps.prisma.operation.findMany({
        where,
        orderBy: { createdAt: 'desc' },
        take: q.limit,
        skip: q.offset,
      }),
      deps.prisma.operation.count({ where }),
    ]);
    return page(await presentOperations(deps, items), total, q);
  },
});
