import { z } from 'zod';
import { defineRoute } from '../../http/route';
import { hostIdParams, loadHost, presentHost } from './common';
import { hostSchema } from './list';
import { pendingTransfers, pendingTransferSchema } from './pending';
import { hostRunSchema, hostRunsState } from './runs-state';
import { latestTurnOff, turnOffStateSchema } from './turn-off-state';

/** One host for its admin page: its runs with their backup freshness, moves and copies touching it, its turn-off. */
export const getHost = defineRoute({
  method: 'get',
  path: '/api/hosts/:id',
  summary:
    "A host with its runs (last backup, last edit, stale when changed since, newest backup's size), active moves and copies touching it, and its latest turn-off (administrators only)",
  tags: ['hosts'],
  access: { kind: 'admin' },
  params: hostIdParams,
  response: hostSchema.extend({
    run_list: z.array(hostRunSchema),
    /** Runs whose changes since their last backup exist only on this host. */
    stale_runs: z.number().int(),
    pending_transfers: z.array(pendingTransferSchema),
    turn_off: turnOffStateSchema.nullable(),
  }),
  async handler({ deps, params }) {
    const host = await loadHost(deps.prisma, params.id);
    const runs = await hostRunsState(deps.prisma, deps.config, host.id);
    const [pending, turnOff] = await Promise.all([
      pendingTransfers(deps.prisma, host.id, new Set(runs.map((r) => r.runid))),
      latestTurnOff(deps.prisma, host.id),
    ]);
    return {
      ...presentHost(host, { config: deps.config, isAdmin: true, runs: runs.length }),
      run_list: runs,
      stale_runs: runs.filter((r) => r.stale).length,
      pending_transfers: pending,
      turn_off: turnOff,
    };
  },
});
