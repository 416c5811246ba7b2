import { z } from 'zod';
import { AppError, ConflictError, requestCancel } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { hostIdParams, loadHost } from './common';
import { hostRunSchema, hostRunsState } from './runs-state';
import { activeTurnOff } from './turn-off';

/** Marks a host off at once, without backups, and says what may be lost. */
export const forceOffHost = defineRoute({
  method: 'post',
  path: '/api/hosts/:id/force-off',
  summary:
    'Mark a host off at once without backing anything up (administrators only; {confirm: <host id>} else 400 CONFIRMATION_REQUIRED; 409 HOST_OFF when already off). Answers the runs whose changes since their last backup may be lost; a running turn-off is cancelled',
  tags: ['hosts'],
  access: { kind: 'admin' },
  params: hostIdParams,
  body: z
    .object({ confirm: z.string().max(200).optional() })
    .strict()
    .optional(),
  response: z.object({
    id: z.string(),
    status: z.literal('off'),
    /** Runs last edited after their last backup (or never backed up): those changes were not saved. */
    at_risk: z.array(hostRunSchema),
    cancelled_operation_id: z.string().nullable(),
    message: z.string(),
  }),
  async handler({ deps, params, body, user }) {
    const host = await loadHost(deps.prisma, params.id);
    if (body?.confirm !== host.id)
      throw new AppError(
        'CONFIRMATION_REQUIRED',
        `Forcing a host off skips its backups: repeat its id as {"confirm": "${host.id}"} (GET /api/hosts/${host.id} lists the runs not backed up since their last edit)`,
        400,
      );
    if (host.status === 'off') throw new ConflictError('HOST_OFF', `Host ${host.id} is already off`);
    const active = await activeTurnOff(deps.prisma, host.id);
    const cancelled = active ? await requestCancel(deps, active.id).catch(() => null) : null;
    await deps.prisma.host.update({ where: { id: host.id }, data: { status: 'off' } });
    const atRisk = (await hostRunsState(deps.prisma, deps.config, host.id, { scan: true })).filter(
      (r) => r.stale,
    );
    deps.logger.warn(
      { by: user?.id, hostId: host.id, atRisk: atRisk.map((r) => r.runid) },
      'host forced off',
    );
    return {
      id: host.id,
      status: 'off' as const,
      at_risk: atRisk,
      cancelled_operation_id: cancelled?.id ?? null,
      message: atRisk.length
        ? `Host ${host.id} is off. ${atRisk.length} run(s) changed after their last backup; those changes may be lost: ${atRisk.map((r) => r.runid).join(', ')}`
        : `Host ${host.id} is off. Every run on it was backed up after its last edit: nothing is lost`,
    };
  },
});
