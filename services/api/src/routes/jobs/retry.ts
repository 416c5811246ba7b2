import { z } from 'zod';
import { retryFolderJob } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { jobIdParams } from './schemas';

/** PRD: 200 {job_id, status: 'queued', retry_count: 0}. Restarts at upload when the verified archive is still on disk. */
export const retryJob = defineRoute({
  method: 'post',
  path: '/api/jobs/:id/retry',
  summary: 'Queue a failed or cancelled job again (retry counter reset)',
  tags: ['jobs'],
  access: { kind: 'user' },
  params: jobIdParams,
  response: z.object({
    job_id: z.string(),
    status: z.literal('queued'),
    retry_count: z.literal(0),
    restart_stage: z.enum(['copy', 'upload']),
  }),
  async handler({ deps, params }) {
    const { op, stage } = await retryFolderJob(deps, params.id);
    return {
      job_id: op.id,
      status: 'queued' as const,
      retry_count: 0 as const,
      restart_stage: stage === 'upload' ? ('upload' as const) : ('copy' as const),
    };
  },
});
