import { z } from 'zod';
import { FOLDER_JOB_KIND } from './folder-jobs';
import { FOLDER_RETRIEVE_KIND } from '../folders/retrieve-jobs';
import { defineRoute } from '../../http/route';

/**
 * History's "Clear completed" (admins only): finished jobs leave the list, but their records stay —
 * a job that emptied a source folder is the audit trail of that deletion and is never deleted.
 * `deleted_count` (PRD name) counts the jobs hidden.
 */
export const deleteCompletedJobs = defineRoute({
  method: 'delete',
  path: '/api/jobs/completed',
  summary: 'Clear completed jobs from the History list (admins; hides them, records are kept)',
  tags: ['jobs'],
  access: { kind: 'admin' },
  response: z.object({ deleted_count: z.number(), hidden_count: z.number() }),
  async handler({ deps, user }) {
    const { count } = await deps.prisma.operation.updateMany({
      where: {
        kind: { in: [FOLDER_JOB_KIND, FOLDER_RETRIEVE_KIND] },
        status: { in: ['succeeded', 'cancelled'] },
        hiddenAt: null,
      },
      data: { hiddenAt: new Date() },
    });
    deps.logger.info({ by: user?.id, hidden: count }, 'completed folder jobs hidden from history');
    return { deleted_count: count, hidden_count: count };
  },
});
