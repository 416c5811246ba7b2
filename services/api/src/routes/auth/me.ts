import { NotFoundError } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { presentUser, userSchema } from './schemas';

export const me = defineRoute({
  method: 'get',
  path: '/api/auth/me',
  summary: 'The signed-in user',
  tags: ['auth'],
  access: { kind: 'user', duringPasswordChange: true },
  response: userSchema,
  async handler({ deps, user }) {
    const row = await deps.prisma.user.findUnique({ where: { id: user!.id } });
    if (!row) throw new NotFoundError('USER_NOT_FOUND', 'Your account no longer exists');
    return presentUser(row);
  },
});
