import { z } from 'zod';
import { issueSessionToken, revokeSessionToken, UnauthorizedError } from '@arkive/shared';
import { notifyAccessChange } from '../../auth/access-change';
import { defineRoute } from '../../http/route';
import { clientAddress, LoginLimiter } from '../../auth/login-limiter';
import { assertStrongPassword, hashPassword, verifyPassword } from '../../auth/passwords';
import { presentSessionUser, tokenResponse } from './schemas';
import { setSessionCookie } from './session-cookie';
import { ValidationError } from '@arkive/shared';

const body = z.object({ current_password: z.string().min(1).max(200), new_password: z.string().max(200) });

export const changePassword = defineRoute({
  method: 'post',
  path: '/api/auth/password',
  summary: 'Change your own password; every other session of yours ends, a fresh token is returned',
  tags: ['auth'],
  access: { kind: 'user', duringPasswordChange: true },
  body,
  response: tokenResponse,
  async handler({ deps, user, body: b, req, res }) {
    // Guessing the current password through a session is throttled like sign-in (same counters).
    const attempt = await new LoginLimiter(deps.redis, deps.config).reserve(
      user!.username,
      clientAddress(req),
    );
    const row = await deps.prisma.user.findUnique({ where: { id: user!.id } });
    if (!row || !(await verifyPassword(b.current_password, row.passwordHash))) {
      await attempt.failed();
      throw new UnauthorizedError('The current password is wrong', 'INVALID_CREDENTIALS');
    }
    await attempt.succeeded();
    assertStrongPassword(b.new_password, row.username);
    if (b.new_password === b.current_password)
      throw new ValidationError('The new password must differ from the current one');
    // Sessions issued before this instant end (tokens carry their issue time in ms); the new token below is issued after it.
    const changedAt = new Date();
    const updated = await deps.prisma.user.update({
      where: { id: row.id },
      data: {
        passwordHash: await hashPassword(b.new_password),
        mustChangePassword: false,
        passwordChangedAt: changedAt,
      },
    });
    if (user!.jti && user!.tokenExpiresAt)
      await revokeSessionToken(deps.config, deps.redis, user!.jti, user!.tokenExpiresAt);
    const session = await issueSessionToken(deps.config, updated);
    setSessionCookie(req, res, session.token, session.expiresAt);
    deps.logger.info({ userId: row.id }, 'password changed');
    await notifyAccessChange(deps, { userId: row.id, kind: 'session' });
    return {
      access_token: session.token,
      token_type: 'bearer' as const,
      expires_at: session.expiresAt.toISOString(),
      user: presentSessionUser(updated),
    };
  },
});
