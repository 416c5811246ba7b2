import { z } from 'zod';
import { FOLDER_JOB_KIND, whereFolderJobStatus } from './folder-jobs';
import { defineRoute } from '../../http/route';
import { presentJob } from './present';
import { jobSchema, jobStatusSchema } from './schemas';

const query = z.object({
  status: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',') : undefined))
    .pipe(z.array(jobStatusSchema).optional()),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** PRD §5.4 GET /api/jobs: newest first, as a JSON array; `X-Total-Count` carries the total. */
export const listJobs = defineRoute({
  method: 'get',
  path: '/api/jobs',
  summary: 'Folder archive jobs, newest first (status=queued,copying,... filters)',
  tags: ['jobs'],
  access: { kind: 'user' },
  query,
  response: z.array(jobSchema),
  async handler({ deps, query: q, res }) {
    // Jobs cleared from History ("Clear completed") stay in the database, out of this list.
    const where = {
      kind: FOLDER_JOB_KIND,
      hiddenAt: null,
      ...(q.status ? { OR: q.status.map(whereFolderJobStatus) } : {}),
    };
    const [rows, total] = await Promise.all([
      deps.prisma.operation.findMany({
        where,
        orderBy: { createdAt: 'desc' },
        take: q.limit,
        skip: q.offset,
      }),
      deps.prisma.operation.count({ where }),
    ]);
    res.setHeader('X-Total-Count', String(total));
    return rows.map((op) => presentJob(op, deps.config));
  },
});
