import { requestCancel } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { assertMayChangeJob, getFolderJob } from './folder-jobs';
import { jobIdParams } from './schemas';

/** PRD: 204; a waiting job is removed at once, a running one stops within about a second. The source is never touched. */
export const cancelJob = defineRoute({
  method: 'delete',
  path: '/api/jobs/:id',
  summary:
    'Cancel a queued or running job (source folder untouched; refused once the source is being emptied)',
  tags: ['jobs'],
  access: { kind: 'user' },
  params: jobIdParams,
  status: 204,
  async handler({ deps, params, req }) {
    assertMayChangeJob(req, await getFolderJob(deps.prisma, params.id));
    await requestCancel(deps, params.id);
    return undefined;
  },
});
