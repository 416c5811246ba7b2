import { z } from 'zod';
import { getFolderJob } from './folder-jobs';
import { defineRoute } from '../../http/route';
import { jobIdParams } from './schemas';

const query = z.object({
  limit: z.coerce.number().int().min(1).max(100000).default(1000),
  offset: z.coerce.number().int().min(0).default(0),
  level: z
    .string()
    .optional()
    .transform((v) => v?.toUpperCase())
    .pipe(z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR']).optional()),
});

/** PRD §5.4: [{timestamp, level, message}] oldest first. */
export const jobLogs = defineRoute({
  method: 'get',
  path: '/api/jobs/:id/logs',
  summary: 'Log lines of a job, oldest first',
  tags: ['jobs'],
  access: { kind: 'user' },
  params: jobIdParams,
  query,
  response: z.array(z.object({ timestamp: z.string(), level: z.string(), message: z.string() })),
  async handler({ deps, params, query: q, res }) {
    const op = await getFolderJob(deps.prisma, params.id);
    const where = { operationId: op.id, ...(q.level ? { level: q.level } : {}) };
    const [rows, total] = await Promise.all([
      deps.prisma.operationLog.findMany({ where, orderBy: { id: 'asc' }, take: q.limit, skip: q.offset }),
      deps.prisma.operationLog.count({ where }),
    ]);
    res.setHeader('X-Total-Count', String(total));
    return rows.map((r) => ({ timestamp: r.ts.toISOString(), level: r.level, message: r.message }));
  },
});
