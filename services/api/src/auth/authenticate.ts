import type { Request, RequestHandler } from 'express';
import {
  checkSessionToken,
  effectiveGlobalRole,
  globalRoleAtLeast,
  type GlobalRoleName,
  ForbiddenError,
  SESSION_COOKIE,
  TransientError,
  UnauthorizedError,
} from '@arkive/shared';
import type { AppDeps } from '../deps';

/** The session token of a request: `Authorization: Bearer` first, else the `arkive_session` cookie. */
export function sessionTokenOf(req: Request): string | undefined {
  const auth = req.header('authorization');
  if (auth && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim() || undefined;
  const cookie = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
  return cookie || undefined;
}

/** Resolves the caller from a bearer token or session cookie into req.user (never refuses by itself). */
export function authenticate(deps: AppDeps): RequestHandler {
  return async (req, _res, next) => {
    try {
      const token = sessionTokenOf(req);
      if (token) {
        const r = await checkSessionToken(deps.config, deps.redis, token, deps.prisma);
        if (r.ok) req.user = r.user;
        else req.authFailure = r.reason;
      }
    } catch (err) {
      // Redis or PostgreSQL unreachable: public routes (health) still answer; guarded ones get 503.
      deps.logger.warn({ err }, 'session check failed');
      req.authFailure = 'unavailable';
    }
    next();
  };
}

/** 401 naming why a presented token failed, or a plain "sign in" when there was none. */
export function unauthenticated(req: Request): UnauthorizedError | TransientError {
  switch (req.authFailure) {
    case 'unavailable':
      return new TransientError(
        'Sessions cannot be checked right now (Redis or PostgreSQL unreachable); try again shortly',
        'AUTH_UNAVAILABLE',
      );
    case 'expired':
      return new UnauthorizedError('Your session has expired; sign in again', 'SESSION_EXPIRED');
    case 'revoked':
      return new UnauthorizedError('This session has ended; sign in again', 'SESSION_REVOKED');
    case 'invalid':
      return new UnauthorizedError('The session token is not valid; sign in again', 'SESSION_INVALID');
    case undefined:
      return new UnauthorizedError();
  }
}

/** Signed in, and not held at the forced password change. */
export function requireUser(req: Request, opts: { duringPasswordChange?: boolean } = {}) {
  if (!req.user) throw unauthenticated(req);
  if (req.user.mustChangePassword && !opts.duringPasswordChange) {
    throw new ForbiddenError(
      'Change your password first (POST /api/auth/password)',
      'PASSWORD_CHANGE_REQUIRED',
    );
  }
  return req.user;
}

export function requireAdmin(req: Request) {
  const user = requireUser(req);
  if (!user.isAdmin) throw new ForbiddenError('Administrators only');
  return user;
}

/** Signed in with at least `role` (user < operator < admin); else 403 ROLE_REQUIRED naming the role. */
export function requireGlobalRole(req: Request, role: GlobalRoleName) {
  const user = requireUser(req);
  const has = effectiveGlobalRole(user);
  if (!globalRoleAtLeast(has, role))
    throw new ForbiddenError(
      `This needs the ${role} role (or admin); your role is ${has}. Ask an administrator`,
      'ROLE_REQUIRED',
    );
  return user;
}
