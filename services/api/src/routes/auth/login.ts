import { z } from 'zod';
import { issueSessionToken, UnauthorizedError } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { LoginLimiter } from '../../auth/login-limiter';
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
    const limiter = new LoginLimiter(deps.redis, deps.config);
    const ip = req.ip ?? 'unknown';
    try {
      await limiter.check(b.username, ip);
    } catch (err) {
      const retryAfter = (err as { details?: { retryAfter?: number } }).details?.retryAfter;
      if (retryAfter) res.setHeader('Retry-After', String(retryAfter));
      throw err;
    }
    const user = await deps.prisma.user.findUnique({ where: { username: b.username } });
    if (!(await verifyPassword(b.password, user?.passwordHash)) || !user) {
      await limiter.recordFailure(b.username, ip);
      throw new UnauthorizedError('Wrong username or password', 'INVALID_CREDENTIALS');
    }
    await limiter.recordSuccess(b.username, ip);
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
