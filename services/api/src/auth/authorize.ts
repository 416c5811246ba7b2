import type { Request } from 'express';
import { ForbiddenError, UnauthorizedError } from '@arkive/shared';
import type { AppDeps } from '../deps';
import type { Access } from '../http/route';

/**
 * Enforces a route's access rule. The role checks (run membership, operation scope, cron
 * secret) are filled in by the auth module; until a rule is implemented it refuses.
 */
export async function authorize(access: Access, req: Request, _deps: AppDeps, _params: Record<string, string>): Promise<void> {
  switch (access.kind) {
    case 'public':
      return;
    case 'user':
    case 'run':
    case 'operation':
      if (!req.user) throw new UnauthorizedError();
      return;
    case 'admin':
      if (!req.user) throw new UnauthorizedError();
      if (!req.user.isAdmin) throw new ForbiddenError('Administrators only');
      return;
    case 'cron':
      throw new UnauthorizedError('Cron secret required', 'CRON_UNAUTHORIZED');
  }
}
