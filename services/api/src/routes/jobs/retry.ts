import { z } from 'zod';
import { retryOperation } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { assertMayChangeJob, getFolderJob } from './folder-jobs';
import { jobIdParams } from './schemas';

/** Where the PRD's retry restarts, by the stage the operation resumes at. */
const RESTART: Record<string, 'copy' | 'upload' | 'delete_source'> = {
  copying: 'copy',
  uploading: 'upload',
  deleting_source: 'delete_source',
};

/** PRD: 200 {job_id, status: 'queued', retry_count: 0}; the job resumes at the stage its kind allows (see folderArchive). */
export const retryJob = defineRoute({
  method: 'post',
  path: '/api/jobs/:id/retry',
  summary:
    'Queue a failed or cancelled job again (retry counter reset; resumes at the upload when the tested archive is kept)',
  tags: ['jobs'],
  access: { kind: 'user' },
  params: jobIdParams,
  response: z.object({
    job_id: z.string(),
    status: z.literal('queued'),
    retry_count: z.literal(0),
    restart_stage: z.enum(['copy', 'upload', 'delete_source']),
  }),
  async handler({ deps, params, req }) {
    assertMayChangeJob(req, await getFolderJob(deps.prisma, params.id));
    const op = await retryOperation(deps, params.id);
    return {
      job_id: op.id,
      status: 'queued' as const,
      retry_count: 0 as const,
      restart_stage: RESTART[op.stage ?? ''] ?? 'copy',
    };
  },
});
