import { z } from 'zod';
import { issueSessionToken, UnauthorizedError } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { clientAddress, LoginLimiter } from '../../auth/login-limiter';
import { verifyPassword } from '../../auth/passwords';
import { presentSessionUser, tokenResponse } from './schemas';
import { setSessionCookie } from './session-cookie';

const body = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) });

export const login = defineRoute({
  method: 'post',
  path: '/api/auth/login',
  summary: 'Sign in: returns a bearer token (also set as the httpOnly arkive_session cookie)',
  tags: ['auth'],
  access: { kind: 'public' },
  body,
  response: tokenResponse,
  async handler({ deps, body: b, req, res }) {
    const attempt = await new LoginLimiter(deps.redis, deps.config).reserve(b.username, clientAddress(req));
    const user = await deps.prisma.user.findUnique({ where: { username: b.username } });
    if (!(await verifyPassword(b.password, user?.passwordHash)) || !user) {
      await attempt.failed();
      throw new UnauthorizedError('Wrong username or password', 'INVALID_CREDENTIALS');
    }
    await attempt.succeeded();
    await deps.prisma.user.update({ where: { id: user.id }, data: { lastLogin: new Date() } });
    const session = await issueSessionToken(deps.config, user);
    setSessionCookie(req, res, session.token, session.expiresAt);
    deps.logger.info({ userId: user.id, username: user.username }, 'signed in');
    return {
      access_token: session.token,
      token_type: 'bearer' as const,
      expires_at: session.expiresAt.toISOString(),
      user: presentSessionUser(user),
    };
  },
});
