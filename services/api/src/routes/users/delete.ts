import { notifyAccessChange } from '../../auth/access-change';
import { ConflictError } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { assertNotLastAdmin, findUserOr404, userIdParams } from './guards';

export const deleteUser = defineRoute({
  method: 'delete',
  path: '/api/users/:id',
  summary: 'Delete a user (administrators only; not yourself, not the last administrator)',
  tags: ['users'],
  access: { kind: 'admin' },
  params: userIdParams,
  async handler({ deps, params, user }) {
    if (params.id === user!.id)
      throw new ConflictError('CANNOT_DELETE_SELF', 'You cannot delete your own account');
    await deps.prisma.$transaction(async (tx) => {
      // Serialize admin removals so two concurrent deletes cannot both pass the last-admin check.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(72707370)`;
      const target = await findUserOr404(tx, params.id);
      await assertNotLastAdmin(tx, target);
      await tx.user.delete({ where: { id: target.id } });
    });
    deps.logger.info({ by: user!.id, userId: params.id }, 'user deleted');
    await notifyAccessChange(deps, { userId: params.id, kind: 'session' });
    return undefined;
  },
});
