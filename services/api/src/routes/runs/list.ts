import { z } from 'zod';
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
  query: paginationQuery.extend({
    /** Only runs whose id contains this text. */
    q: z.string().max(128).optional(),
    /** lock=false skips the lock-file scan (a walk of each run's tree) for a fast listing. */
    lock: z.enum(['true', 'false']).default('true'),
  }),
  response: pageSchema(runSchema),
  async handler({ deps, query: q, user }) {
    const where: Prisma.RunWhereInput = {
      ...(user!.isAdmin ? {} : { members: { some: { userId: user!.id } } }),
      ...(q.q ? { id: { contains: q.q, mode: 'insensitive' as const } } : {}),
    };
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
    // At most 8 runs' trees are scanned at a time.
    const items: Awaited<ReturnType<typeof presentRun>>[] = [];
    for (let i = 0; i < rows.length; i += 8) {
      const batch = rows.slice(i, i + 8);
      items.push(
        ...(await Promise.all(
          batch.map(({ members, ...run }) =>
            presentRun(deps, run, members[0]?.role ?? null, user!.isAdmin, q.lock === 'true'),
          ),
        )),
      );
    }
    return page(items, total, q);
  },
});
