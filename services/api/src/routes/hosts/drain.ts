import { z } from 'zod';
import { ConflictError, NotFoundError } from '@arkive/shared';
import { defineRoute } from '../../http/route';

const hostIdParams = z.object({ id: z.string().min(1).max(200) });
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

/** Ends draining: the host takes placements again (its heartbeat keeps or corrects `online`). */
export const undrainHost = defineRoute({
  method: 'post',
  path: '/api/hosts/:id/undrain',
  summary: 'End draining of a host (administrators only)',
  tags: ['hosts'],
  access: { kind: 'admin' },
  params: hostIdParams,
  response: drainResponse,
  async handler({ deps, params, user }) {
    const host = await deps.prisma.host.findUnique({ where: { id: params.id } });
    if (!host) throw new NotFoundError('HOST_NOT_FOUND', `No host ${params.id}`);
    if (host.status !== 'draining')
      throw new ConflictError('HOST_NOT_DRAINING', `Host ${params.id} is not draining`);
    await deps.prisma.host.update({ where: { id: host.id }, data: { status: 'online' } });
    deps.logger.info({ by: user!.id, hostId: host.id }, 'host draining ended');
    return { id: host.id, status: 'online' as const };
  },
});
