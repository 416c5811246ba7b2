import type { Prisma } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { page, pageSchema, paginationQuery } from '../../http/pagination';
import { presentRun, runSchema } from './schemas';

export const listRuns = defineRoute({
  method: 'get',
  path: '/api/runs',
  summary:
    'Runs you may see (administrators: all), with your role, whether the directory exists and its lock status',
  tags: ['runs'],
  access: { kind: 'user' },
  query: paginationQuery,
  response: pageSchema(runSchema),
  async handler({ deps, query: q, user }) {
    const where: Prisma.RunWhereInput = user!.isAdmin ? {} : { members: { some: { userId: user!.id } } };
    const [rows, total] = await Promise.all([
      deps.prisma.run.findMany({
        where,
        orderBy: { id: 'asc' },
        take: q.limit,
        skip: q.offset,
        include: { members: { where: { userId: user!.id }, select: { role: true } } },
      }),
      deps.prisma.run.count({ where }),
    ]);
    const items = await Promise.all(
      rows.map(({ members, ...run }) => presentRun(deps, run, members[0]?.role ?? null, user!.isAdmin)),
    );
    return page(items, total, q);
  },
});
