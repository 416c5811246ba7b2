import { z } from 'zod';
import { defineRoute } from '../../http/route';
import { page, pageSchema, paginationQuery } from '../../http/pagination';
import { presentSyncToken, syncTokenSchema } from './schemas';

export const listSyncTokens = defineRoute({
  method: 'get',
  path: '/api/sync-tokens',
  summary: 'Sync tokens issued on this host (never the tokens themselves), newest first',
  tags: ['run-sync'],
  access: { kind: 'admin' },
  query: paginationQuery,
  response: pageSchema(syncTokenSchema),
  async handler({ deps, query }) {
    const [rows, total] = await Promise.all([
      deps.prisma.syncToken.findMany({
        orderBy: { createdAt: 'desc' },
        take: query.limit,
        skip: query.offset,
      }),
      deps.prisma.syncToken.count(),
    ]);
    return page(rows.map(presentSyncToken), total, query);
  },
});

export const syncTokenParams = z.object({ id: z.string() });
