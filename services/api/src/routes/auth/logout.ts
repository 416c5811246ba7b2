import { revokeSessionToken } from '@arkive/shared';
import { notifyAccessChange } from '../../auth/access-change';
import { defineRoute } from '../../http/route';
import { clearSessionCookie } from './session-cookie';

export const logout = defineRoute({
  method: 'post',
  path: '/api/auth/logout',
  summary: 'Sign out: revokes this session token and clears the session cookie',
  tags: ['auth'],
  access: { kind: 'user', duringPasswordChange: true },
  async handler({ deps, user, req, res }) {
    if (user?.jti && user.tokenExpiresAt)
      await revokeSessionToken(deps.config, deps.redis, user.jti, user.tokenExpiresAt);
    clearSessionCookie(req, res);
    if (user) await notifyAccessChange(deps, { userId: user.id, kind: 'session' });
    return undefined;
  },
});
