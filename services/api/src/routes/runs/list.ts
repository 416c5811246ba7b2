import { z } from 'zod';
import type { Prisma } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { page, pageSchema, paginationQuery } from '../../http/pagination';
import { presentRun, runSchema } from './schemas';

/** Sorts that need every matching run's health are computed over at most this many runs. */
const HEALTH_SORT_LIMIT: number = 1000;
type Presented = Awaited<ReturnType<typeof presentRun>>;

const healthSortKeys: Partial<Record<string, (r: Presented) => number | string>> = {
  size: (r) => r.health?.sizeBytes ?? -1,
  files: (r) => r.health?.fileCount ?? -1,
  lastSnapshot: (r) => r.health?.lastSnapshot?.createdAt ?? '',
  archives: (r) => r.health?.archiveBytes ?? -1,
};

export const listRuns = defineRoute({
  method: 'get',
  path: '/api/runs',
  summary:
    'Runs you may see (administrators: all), with your role and health (missing directory, locks, size, files, last snapshot, archives, free disk); search with q, sort with sort/order',
  tags: ['runs'],
  access: { kind: 'user' },
  query: paginationQuery.extend({
    /** Only runs whose id contains this text. */
    q: z.string().max(128).optional(),
    /** lock=false skips the health scan (a walk of each run's tree) for a fast listing. */
    lock: z.enum(['true', 'false']).default('true'),
    /** runid, created, size, files, lastSnapshot or archives (the last four need lock=true). */
    sort: z.enum(['runid', 'created', 'size', 'files', 'lastSnapshot', 'archives']).default('runid'),
    order: z.enum(['asc', 'desc']).default('asc'),
  }),
  response: pageSchema(runSchema),
  async handler({ deps, query: q, user }) {
    const where: Prisma.RunWhereInput = {
      ...(user!.isAdmin ? {} : { members: { some: { userId: user!.id } } }),
      ...(q.q ? { id: { contains: q.q, mode: 'insensitive' as const } } : {}),
    };
    const byHealth = healthSortKeys[q.sort];
    const withHealth = q.lock === 'true';
    const orderBy: Prisma.RunOrderByWithRelationInput =
      q.sort === 'created' ? { createdAt: q.order } : { id: byHealth ? 'asc' : q.order };
    const [rows, total] = await Promise.all([
      deps.prisma.run.findMany({
        where,
        orderBy,
        ...(byHealth && withHealth ? { take: HEALTH_SORT_LIMIT } : { take: q.limit, skip: q.offset }),
        include: { members: { where: { userId: user!.id }, select: { role: true } } },
      }),
      deps.prisma.run.count({ where }),
    ]);
    // At most 8 runs' trees are scanned at a time.
    let items: Presented[] = [];
    for (let i = 0; i < rows.length; i += 8) {
      const batch = rows.slice(i, i + 8);
      items.push(
        ...(await Promise.all(
          batch.map(({ members, ...run }) =>
            presentRun(deps, run, members[0]?.role ?? null, user!.isAdmin, withHealth),
          ),
        )),
      );
    }
    if (byHealth && withHealth) {
      const dir = q.order === 'asc' ? 1 : -1;
      items.sort((a, b) => {
        const ka = byHealth(a);
        const kb = byHealth(b);
        return (ka < kb ? -1 : ka > kb ? 1 : a.runid.localeCompare(b.runid) * dir) * dir;
      });
      items = items.slice(q.offset, q.offset + q.limit);
    }
    return page(items, total, q);
  },
});
