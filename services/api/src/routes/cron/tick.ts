import { z } from 'zod';
import { defineRoute } from '../../http/route';
import { runMaintenance } from '../../maintenance';

export const cronTick = defineRoute({
  method: 'post',
  path: '/api/cron/tick',
  summary:
    'Run the periodic duties now (stale-operation reaper, operation expiry, registered hooks); Authorization: Bearer <CRON_SECRET>',
  tags: ['system'],
  access: { kind: 'cron' },
  response: z.object({
    ranAt: z.string(),
    duties: z.record(
      z.string(),
      z.object({
        ok: z.boolean(),
        result: z.unknown().optional(),
        error: z.string().optional(),
        ms: z.number(),
      }),
    ),
  }),
  async handler({ deps }) {
    const ranAt = new Date().toISOString();
    return { ranAt, duties: await runMaintenance(deps) };
  },
});
