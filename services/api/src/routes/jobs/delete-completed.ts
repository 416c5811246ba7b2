import { z } from 'zod';
import { FOLDER_JOB_KIND } from './folder-jobs';
import { defineRoute } from '../../http/route';

/** PRD §5.4: bulk-delete completed jobs (and their logs) from history. */
export const deleteCompletedJobs = defineRoute({
  method: 'delete',
  path: '/api/jobs/completed',
  summary: 'Delete all completed jobs from history',
  tags: ['jobs'],
  access: { kind: 'user' },
  response: z.object({ deleted_count: z.number() }),
  async handler({ deps }) {
    const { count } = await deps.prisma.operation.deleteMany({
      where: { kind: FOLDER_JOB_KIND, status: 'succeeded' },
    });
    return { deleted_count: count };
  },
});
