import { z } from 'zod';
import { ConflictError, Prisma } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { assertStrongPassword, hashPassword } from '../../auth/passwords';
import { globalRoleSchema, presentUser, roleColumns, usernameSchema, userSchema } from '../auth/schemas';

const body = z.object({
  username: usernameSchema,
  password: z.string().max(200),
  is_admin: z.boolean().optional(),
  /** admin | operator | user (default user); wins over is_admin when both are given. */
  role: globalRoleSchema.optional(),
  /** Ask the new user to choose their own password at first login (default true). */
  must_change_password: z.boolean().default(true),
});

export const createUser = defineRoute({
  method: 'post',
  path: '/api/users',
  summary: 'Create a user (administrators only)',
  tags: ['users'],
  access: { kind: 'admin' },
  body,
  response: userSchema,
  status: 201,
  async handler({ deps, body: b, user }) {
    assertStrongPassword(b.password, b.username);
    try {
      const row = await deps.prisma.user.create({
        data: {
          username: b.username,
          passwordHash: await hashPassword(b.password),
          ...(roleColumns(b) ?? { role: 'user', isAdmin: false }),
          mustChangePassword: b.must_change_password,
        },
      });
      deps.logger.info({ by: user?.id, userId: row.id, role: row.role }, 'user created');
      return presentUser(row);
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
        throw new ConflictError('USER_EXISTS', `User ${b.username} already exists`);
      throw err;
    }
  },
});
