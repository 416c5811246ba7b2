import { retentionRunSchema } from '@arkive/shared/contracts';
import { defineRoute } from '../../../http/route';
import { applyRunRetention } from '../../../retention/apply';
import { runIdParams } from '../schemas';

export const applyRunRetentionRoute = defineRoute({
  method: 'post',
  path: '/api/runs/:runid/retention/apply',
  summary:
    "Applies the run's retention now (owners; the maintenance schedule also does every minute) and answers what it deleted",
  tags: ['archives'],
  access: { kind: 'run', role: 'owner' },
  params: runIdParams,
  response: retentionRunSchema,
  async handler({ deps, params }) {
    const out = await applyRunRetention(deps, params.runid);
    return {
      deleted: out.deleted.map(({ name, kind, size, rule }) => ({ name, kind, size, rule })),
      skipped: out.skipped ?? null,
    };
  },
});
