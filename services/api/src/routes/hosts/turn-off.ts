import {
  ACTIVE_STATUSES,
  ConflictError,
  enqueueOperation,
  hostTurnOff,
  type Operation,
  type PrismaClient,
} from '@arkive/shared';
import { acceptedSchema } from '@arkive/shared/contracts';
import { defineRoute } from '../../http/route';
import { hostIdParams, loadHost } from './common';

/** The host's turn-off that is queued or running, if any. */
export function activeTurnOff(prisma: PrismaClient, hostId: string): Promise<Operation | null> {
  return prisma.operation.findFirst({
    where: {
      kind: hostTurnOff.kind,
      scopeType: 'host',
      scopeId: hostId,
      status: { in: [...ACTIVE_STATUSES] },
    },
  });
}

/** Turns a host off safely: draining at once, every run backed up that needs it, then `off`. */
export const turnOffHost = defineRoute({
  method: 'post',
  path: '/api/hosts/:id/turn-off',
  summary:
    'Turn a host off (202; administrators only): it is set draining at once, every run on it whose last backup is older than its last edit is backed up, and only when all succeeded is it marked off; a failed backup leaves it draining (409 HOST_OFF when off, HOST_TURN_OFF_ACTIVE while one runs)',
  tags: ['hosts'],
  access: { kind: 'admin' },
  params: hostIdParams,
  response: acceptedSchema,
  status: 202,
  async handler({ deps, params, user }) {
    const host = await loadHost(deps.prisma, params.id);
    if (host.status === 'off') throw new ConflictError('HOST_OFF', `Host ${host.id} is already off`);
    const active = await activeTurnOff(deps.prisma, host.id);
    if (active)
      throw new ConflictError('HOST_TURN_OFF_ACTIVE', `Host ${host.id} is already being turned off`, {
        activeOperationId: active.id,
      });
    // No new placements from now on; the worker sets it again (and keeps it on failure).
    await deps.prisma.host.update({ where: { id: host.id }, data: { status: 'draining' } });
    try {
      const { operation, operationId, channel } = await enqueueOperation(
        deps,
        hostTurnOff,
        { hostId: host.id },
        { createdBy: user?.username, enqueuedMessage: `Queued turning off host ${host.id}` },
      );
      deps.logger.info({ by: user?.id, hostId: host.id, operationId }, 'host turn-off queued');
      return { operationId, channel, status: operation.status };
    } catch (err) {
      if (host.status !== 'draining')
        await deps.prisma.host.update({ where: { id: host.id }, data: { status: host.status } });
      if (err instanceof ConflictError && err.code === 'OPERATION_ACTIVE')
        throw new ConflictError('HOST_TURN_OFF_ACTIVE', `Host ${host.id} is already being turned off`);
      throw err;
    }
  },
});
