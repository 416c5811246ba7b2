import { z } from 'zod';
import type { User } from '@arkive/shared';

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
  must_change_password: z.boolean(),
});

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

export function presentSessionUser(u: Pick<User, 'id' | 'username' | 'isAdmin' | 'mustChangePassword'>) {
  return { id: u.id, username: u.username, is_admin: u.isAdmin, must_change_password: u.mustChangePassword };
}

export function presentUser(u: User) {
  return {
    ...presentSessionUser(u),
    created_at: u.createdAt.toISOString(),
    last_login: u.lastLogin?.toISOString() ?? null,
  };
}
