import { z } from 'zod';
import {
  ConflictError,
  errorMessage,
  ForbiddenError,
  isTerminal,
  NotFoundError,
  releaseCopySnapshot,
  requestCancel,
  roleAtLeast,
} from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { rolesOn } from './access';
import { copyRowSchema, serializeCopy } from './schemas';

/** Cancels one destination of a copy that has not been applied (pending, or failed and waiting for a retry). */
export const cancelCopy = defineRoute({
  method: 'post',
  path: '/api/copies/:id/cancel',
  summary:
    'Cancel a copy not applied yet (pending or failed; collaborator on its source or destination run). Applying, done, cancelled or expired: 409 COPY_NOT_PENDING. The source snapshot is forgotten once no destination needs it',
  tags: ['copies'],
  access: { kind: 'user' },
  params: z.object({ id: z.string().max(100) }),
  response: copyRowSchema,
  async handler({ deps, params, user }) {
    const notFound = new NotFoundError('COPY_NOT_FOUND', `Copy ${params.id} not found`);
    if (!/^[0-9a-f-]{36}$/i.test(params.id)) throw notFound;
    const row = await deps.prisma.pendingCopy.findUnique({ where: { id: params.id } });
    if (!row) throw notFound;
    const roles = await rolesOn(deps.prisma, user!, [row.srcRunId, row.destRunId]);
    const src = roles.get(row.srcRunId)?.role ?? null;
    const dest = roles.get(row.destRunId)?.role ?? null;
    if (!src && !dest) throw notFound;
    if (!roleAtLeast(src, 'collaborator') && !roleAtLeast(dest, 'collaborator'))
      throw new ForbiddenError(
        'Cancelling a copy needs the collaborator role on its source or destination run',
      );
    const n = await deps.prisma.pendingCopy.updateMany({
      where: { id: row.id, status: { in: ['pending', 'failed'] } },
      data: {
        status: 'cancelled',
        errorCode: 'CANCELLED',
        error: `Cancelled by ${user!.username}`,
        finishedAt: new Date(),
      },
    });
    if (n.count === 0) {
      const now = await deps.prisma.pendingCopy.findUniqueOrThrow({ where: { id: row.id } });
      throw new ConflictError(
        'COPY_NOT_PENDING',
        `Copy ${row.id} is ${now.status}: only a copy not applied yet (pending or failed) can be cancelled`,
      );
    }
    const applyId =
      row.applyOperationId ??
      (
        await deps.prisma.operation.findFirst({
          where: { parentId: row.operationId, input: { path: ['copyId'], equals: row.id } },
          select: { id: true },
        })
      )?.id;
    if (applyId) {
      const op = await deps.prisma.operation.findUnique({ where: { id: applyId } });
      if (op && !isTerminal(op.status)) await requestCancel(deps, applyId).catch(() => undefined);
    }
    try {
      await releaseCopySnapshot(deps.prisma, deps.config, row.operationId);
    } catch (err) {
      deps.logger.warn(
        { err: errorMessage(err), operationId: row.operationId },
        'copy snapshot not forgotten yet',
      );
    }
    deps.logger.info({ by: user?.id, copyId: row.id }, 'copy cancelled');
    const after = await deps.prisma.pendingCopy.findUniqueOrThrow({ where: { id: row.id } });
    return serializeCopy(after, (r) => Boolean(roles.get(r)?.role));
  },
});
