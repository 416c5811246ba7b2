import { z } from 'zod';
import { ConflictError, NotFoundError } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { hostIdParams } from './common';
import { activeTurnOff } from './turn-off';

const drainResponse = z.object({ id: z.string(), status: z.enum(['draining', 'online']) });

/** Sets a host `draining`: it refuses new placements and moves to it; queued work still runs. */
export const drainHost = defineRoute({
  method: 'post',
  path: '/api/hosts/:id/drain',
  summary: 'Set a host draining: no new placements or moves to it (administrators only)',
  tags: ['hosts'],
  access: { kind: 'admin' },
  params: hostIdParams,
  response: drainResponse,
  async handler({ deps, params, user }) {
    const host = await deps.prisma.host.findUnique({ where: { id: params.id } });
    if (!host) throw new NotFoundError('HOST_NOT_FOUND', `No host ${params.id}`);
    if (host.status === 'off') throw new ConflictError('HOST_OFF', `Host ${params.id} is off`);
    await deps.prisma.host.update({ where: { id: host.id }, data: { status: 'draining' } });
    deps.logger.info({ by: user!.id, hostId: host.id }, 'host set draining');
    return { id: host.id, status: 'draining' as const };
  },
});

/**
 * Puts a draining or turned-off host back in service: it takes placements again (its heartbeat
 * keeps or corrects `online`). Refused while a turn-off of it runs (cancel that first).
 */
export const undrainHost = defineRoute({
  method: 'post',
  path: '/api/hosts/:id/undrain',
  summary:
    'End draining of a host, or turn an off host back on (administrators only; 409 HOST_NOT_DRAINING when it is neither, HOST_TURN_OFF_ACTIVE while a turn-off runs)',
  tags: ['hosts'],
  access: { kind: 'admin' },
  params: hostIdParams,
  response: drainResponse,
  async handler({ deps, params, user }) {
    const host = await deps.prisma.host.findUnique({ where: { id: params.id } });
    if (!host) throw new NotFoundError('HOST_NOT_FOUND', `No host ${params.id}`);
    if (host.status !== 'draining' && host.status !== 'off')
      throw new ConflictError('HOST_NOT_DRAINING', `Host ${params.id} is neither draining nor off`);
    const active = await activeTurnOff(deps.prisma, host.id);
    if (active)
      throw new ConflictError(
        'HOST_TURN_OFF_ACTIVE',
        `Host ${params.id} is being turned off; cancel operation ${active.id} first`,
        { activeOperationId: active.id },
      );
    await deps.prisma.host.update({ where: { id: host.id }, data: { status: 'online' } });
    deps.logger.info({ by: user!.id, hostId: host.id, was: host.status }, 'host back in service');
    return { id: host.id, status: 'online' as const };
  },
});
