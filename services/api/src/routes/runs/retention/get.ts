import { runRetentionSchema } from '@arkive/shared/contracts';
import { defineRoute } from '../../../http/route';
import { runIdParams } from '../schemas';
import { presentRetention } from './present';

export const getRunRetention = defineRoute({
  method: 'get',
  path: '/api/runs/:runid/retention',
  summary:
    "A run's archive retention (its own values, the defaults, the policy in force) and its recent archive deletions",
  tags: ['archives'],
  access: { kind: 'run', role: 'viewer' },
  params: runIdParams,
  response: runRetentionSchema,
  handler: ({ deps, params }) => presentRetention(deps, params.runid),
});
