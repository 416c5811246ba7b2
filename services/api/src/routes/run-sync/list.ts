import { z } from 'zod';
import { defineRoute } from '../../http/route';
import { page, pageSchema, paginationQuery } from '../../http/pagination';
import { presentRunSync, runSyncRowSchema } from './schemas';

const query = paginationQuery.extend({
  status: z.string().max(40).optional(),
  runid: z.string().max(128).optional(),
  source_host: z.string().max(2000).optional(),
});

export const listRunSyncs = defineRoute({
  method: 'get',
  path: '/api/run-sync',
  summary: 'Recent imports (the run-sync status table), newest first; filters: status, runid, source_host',
  tags: ['run-sync'],
  access: { kind: 'admin' },
  query,
  response: pageSchema(runSyncRowSchema),
  async handler({ deps, query: q }) {
    const where = {
      ...(q.status ? { status: q.status } : {}),
      ...(q.runid ? { runid: { contains: q.runid } } : {}),
      ...(q.source_host ? { sourceHost: { contains: q.source_host } } : {}),
    };
    const [rows, total] = await Promise.all([
      deps.prisma.runSync.findMany({ where, orderBy: { createdAt: 'desc' }, take: q.limit, skip: q.offset }),
      deps.prisma.runSync.count({ where }),
    ]);
    const ids = rows.map((r) => r.operationId).filter((id): id is string => Boolean(id));
    const ops = await deps.prisma.operation.findMany({ where: { id: { in: ids } } });
    const byId = new Map(ops.map((o) => [o.id, o]));
    return page(
      rows.map((r) => presentRunSync(r, r.operationId ? byId.get(r.operationId) : undefined)),
      total,
      q,
    );
  },
});
