import { z } from 'zod';
import { effectiveGlobalRole, GLOBAL_ROLES, type User } from '@arkive/shared';

export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
export const usernameSchema = z
  .string()
  .regex(
    USERNAME_PATTERN,
    "username: 1-64 letters, digits, '_', '.', '@' or '-', starting with a letter or digit",
  );

export const sessionUserSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  is_admin: z.boolean(),
  /** Global role: admin (⇔ is_admin), operator (folder jobs), user. */
  role: z.enum(GLOBAL_ROLES),
  must_change_password: z.boolean(),
});

export const globalRoleSchema = z.enum(GLOBAL_ROLES);

export const userSchema = sessionUserSchema.extend({
  created_at: z.string(),
  last_login: z.string().nullable(),
});

export const tokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_at: z.string(),
  user: sessionUserSchema,
});

export function presentSessionUser(
  u: Pick<User, 'id' | 'username' | 'isAdmin' | 'mustChangePassword'> & { role?: User['role'] },
) {
  return {
    id: u.id,
    username: u.username,
    is_admin: u.isAdmin,
    role: effectiveGlobalRole(u),
    must_change_password: u.mustChangePassword,
  };
}

/** The columns for a role (given as `role` and/or `is_admin`, role wins): admin ⇔ is_admin. */
export function roleColumns(b: {
  role?: User['role'];
  is_admin?: boolean;
}): { role: User['role']; isAdmin: boolean } | undefined {
  if (b.role !== undefined) return { role: b.role, isAdmin: b.role === 'admin' };
  if (b.is_admin !== undefined) return { role: b.is_admin ? 'admin' : 'user', isAdmin: b.is_admin };
  return undefined;
}

export function presentUser(u: User) {
  return {
    ...presentSessionUser(u),
    created_at: u.createdAt.toISOString(),
    last_login: u.lastLogin?.toISOString() ?? null,
  };
}
