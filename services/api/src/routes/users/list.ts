import { defineRoute } from '../../http/route';
import { page, pageSchema, paginationQuery } from '../../http/pagination';
import { presentUser, userSchema } from '../auth/schemas';

export const listUsers = defineRoute({
  method: 'get',
  path: '/api/users',
  summary: 'List users (administrators only)',
  tags: ['users'],
  access: { kind: 'admin' },
  query: paginationQuery,
  response: pageSchema(userSchema),
  async handler({ deps, query: q }) {
    const [rows, total] = await Promise.all([
      deps.prisma.user.findMany({ orderBy: { id: 'asc' }, take: q.limit, skip: q.offset }),
      deps.prisma.user.count(),
    ]);
    return page(rows.map(presentUser), total, q);
  },
});
