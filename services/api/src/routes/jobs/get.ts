import { getFolderJob } from './folder-jobs';
import { defineRoute } from '../../http/route';
import { presentJob } from './present';
import { jobIdParams, jobSchema } from './schemas';

export const getJob = defineRoute({
  method: 'get',
  path: '/api/jobs/:id',
  summary: 'One folder archive job',
  tags: ['jobs'],
  access: { kind: 'user' },
  params: jobIdParams,
  response: jobSchema,
  async handler({ deps, params }) {
    return presentJob(await getFolderJob(deps.prisma, params.id), deps.config);
  },
});
