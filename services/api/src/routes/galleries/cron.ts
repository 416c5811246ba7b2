import { z } from 'zod';
import { processPendingArchives } from '@arkive/shared';
import { defineRoute } from '../../http/route';

export const cronProcessArchives = defineRoute({
  method: 'post',
  path: '/api/cron/process-archives',
  summary:
    'Enqueue every pending gallery archive without a running job, and mark archives whose job ended unfinished as failed; Authorization: Bearer <CRON_SECRET>',
  tags: ['galleries', 'system'],
  access: { kind: 'cron' },
  response: z.object({ enqueued: z.number(), failed: z.number(), errors: z.array(z.string()) }),
  async handler({ deps }) {
    return processPendingArchives(deps);
  },
});
