import { z } from 'zod';
import { AppError, NotFoundError, type Prisma } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { page, pageSchema, paginationQuery } from '../../http/pagination';
import { rolesOn } from './access';
import { copyRowSchema, copyStatusSchema, serializeCopy } from './schemas';

/** Copies out of or into a run (its members), or every copy (administrators, without runid). */
export const listCopies = defineRoute({
  method: 'get',
  path: '/api/copies',
  summary:
    'Copies where the run is the source or a destination, newest first (members of the run; administrators may omit runid to see every copy). A run the caller cannot see is 404; the other run of a copy is null when the caller cannot see it',
  tags: ['copies'],
  access: { kind: 'user' },
  query: paginationQuery.extend({
    runid: z.string().max(200).optional(),
    status: copyStatusSchema.optional(),
  }),
  response: pageSchema(copyRowSchema),
  async handler({ deps, query, user }) {
    if (!query.runid && !user!.isAdmin)
      throw new AppError('RUNID_REQUIRED', 'Give ?runid=<run>: only administrators list every copy', 400);
    if (query.runid) {
      const seen = await rolesOn(deps.prisma, user!, [query.runid]);
      if (!seen.get(query.runid)?.role)
        throw new NotFoundError('RUN_NOT_FOUND', `Run ${query.runid} not found`);
    }
    const where: Prisma.PendingCopyWhereInput = {
      ...(query.runid ? { OR: [{ srcRunId: query.runid }, { destRunId: query.runid }] } : {}),
      ...(query.status ? { status: query.status } : {}),
    };
    const [rows, total] = await Promise.all([
      deps.prisma.pendingCopy.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
        take: query.limit,
        skip: query.offset,
      }),
      deps.prisma.pendingCopy.count({ where }),
    ]);
    const others = rows.flatMap((r) => [r.srcRunId, r.destRunId]);
    const roles = user!.isAdmin ? null : await rolesOn(deps.prisma, user!, others);
    const canSee = (runid: string) => roles === null || Boolean(roles.get(runid)?.role);
    return page(
      rows.map((r) => serializeCopy(r, canSee)),
      total,
      query,
    );
  },
});
