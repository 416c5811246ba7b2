import { notifyAccessChange } from '../../auth/access-change';
import { z } from 'zod';
import { defineRoute } from '../../http/route';
import { assertStrongPassword, hashPassword } from '../../auth/passwords';
import { globalRoleSchema, presentUser, roleColumns, userSchema } from '../auth/schemas';
import { assertNotLastAdmin, findUserOr404, userIdParams } from './guards';

const body = z
  .object({
    is_admin: z.boolean().optional(),
    /** admin | operator | user; wins over is_admin when both are given. */
    role: globalRoleSchema.optional(),
    /** Reset the password (the user must change it at next login unless must_change_password=false). */
    password: z.string().max(200).optional(),
    must_change_password: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');

export const updateUser = defineRoute({
  method: 'patch',
  path: '/api/users/:id',
  summary:
    'Change a user: role (admin/operator/user), password reset (administrators only; never the last administrator)',
  tags: ['users'],
  access: { kind: 'admin' },
  params: userIdParams,
  body,
  response: userSchema,
  async handler({ deps, params, body: b, user }) {
    if (b.password !== undefined) assertStrongPassword(b.password);
    const passwordHash = b.password !== undefined ? await hashPassword(b.password) : undefined;
    const row = await deps.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(72707370)`;
      const target = await findUserOr404(tx, params.id);
      const role = roleColumns(b);
      if (role && !role.isAdmin) await assertNotLastAdmin(tx, target);
      return tx.user.update({
        where: { id: target.id },
        data: {
          ...(role ?? {}),
          ...(passwordHash
            ? {
                passwordHash,
                passwordChangedAt: new Date(),
                mustChangePassword: b.must_change_password ?? true,
              }
            : {}),
          ...(!passwordHash && b.must_change_password !== undefined
            ? { mustChangePassword: b.must_change_password }
            : {}),
        },
      });
    });
    deps.logger.info(
      {
        by: user!.id,
        userId: row.id,
        changed: Object.keys(b)
          .filter((k) => k !== 'password')
          .concat(b.password ? ['password'] : []),
      },
      'user updated',
    );
    if (b.is_admin !== undefined || b.role !== undefined || passwordHash)
      await notifyAccessChange(deps, { userId: row.id, kind: 'session' });
    return presentUser(row);
  },
});
