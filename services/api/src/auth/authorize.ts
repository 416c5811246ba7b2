import type { Request } from 'express';
import {
  canSeeOperation,
  ForbiddenError,
  NotFoundError,
  roleAtLeast,
  runAccessOf,
  type RunRoleName,
} from '@arkive/shared';
import type { AppDeps } from '../deps';
import type { Access } from '../http/route';
import { requireAdmin, requireGlobalRole, requireUser } from './authenticate';
import { requireCronSecret } from './cron-secret';
import { admitRunLink } from './run-links';
import { admitSyncToken, syncTokenOf } from './sync-tokens';

const runNotFound = (runid: string) => new NotFoundError('RUN_NOT_FOUND', `Run ${runid} not found`);

/** Enforces a route's access rule; throws 401/403/404/503 AppErrors. */
export async function authorize(
  access: Access,
  req: Request,
  deps: AppDeps,
  params: Record<string, string>,
): Promise<void> {
  switch (access.kind) {
    case 'public':
      return;
    case 'user':
      requireUser(req, { duringPasswordChange: access.duringPasswordChange === true });
      return;
    case 'admin':
      requireAdmin(req);
      return;
    case 'role':
      requireGlobalRole(req, access.role);
      return;
    case 'cron':
      return requireCronSecret(req, deps);
    case 'run':
      return authorizeRun(access, req, deps, params);
    case 'operation':
      return authorizeOperation(access.action, req, deps, params);
    default: {
      const never: never = access;
      throw new Error(`Unknown access rule ${JSON.stringify(never)}`);
    }
  }
}

async function authorizeRun(
  access: { role: RunRoleName; allowSignedLink?: true; allowSyncToken?: true },
  req: Request,
  deps: AppDeps,
  params: Record<string, string>,
): Promise<void> {
  const runid = params.runid;
  const syncToken = access.allowSyncToken ? syncTokenOf(req) : undefined;
  if (syncToken !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
    await admitSyncToken(deps, syncToken, runid ?? '');
    req.viaSyncToken = true;
    return;
  }
  const token = typeof req.query?.token === 'string' ? req.query.token : undefined;
  if (access.allowSignedLink && token !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
    await admitRunLink(deps, token, req.originalUrl, runid ?? '', access.role);
    req.viaSignedLink = true;
    return;
  }
  const user = requireUser(req);
  const { exists, effectiveRole } = await runAccessOf(deps.prisma, user, runid ?? '');
  if (!exists || !effectiveRole) throw runNotFound(runid);
  if (!roleAtLeast(effectiveRole, access.role)) {
    throw new ForbiddenError(`This needs the ${access.role} role on run ${runid}; you are ${effectiveRole}`);
  }
  req.runRole = effectiveRole;
}

/**
 * Operations: who may read one is the shared visibility rule (canSeeOperation: a run's members,
 * everyone for the shared folder queue, the creator for other scopes; admins always), and a
 * caller who may not read it gets 404. Write: a run's operations need the collaborator role;
 * folder jobs follow the folder queue's rule; other scopes the creator.
 */
async function authorizeOperation(
  action: 'read' | 'write',
  req: Request,
  deps: AppDeps,
  params: Record<string, string>,
): Promise<void> {
  const user = requireUser(req);
  const id = params.id ?? '';
  const notFound = new NotFoundError('OPERATION_NOT_FOUND', `Operation ${id} not found`);
  const op = /^[0-9a-f-]{36}$/i.test(id)
    ? await deps.prisma.operation.findUnique({
        where: { id },
        select: { scopeType: true, scopeId: true, createdBy: true },
      })
    : null;
  if (!op) throw notFound;
  if (user.isAdmin) return;
  const runRole =
    op.scopeType === 'run' ? (await runAccessOf(deps.prisma, user, op.scopeId)).effectiveRole : null;
  if (!canSeeOperation(user, op, new Set(runRole ? [op.scopeId] : []))) throw notFound;
  if (action === 'read') return;
  // Folder jobs: their creator, or an operator for other people's jobs.
  if (op.scopeType === 'folder') {
    if (op.createdBy !== user.username) requireGlobalRole(req, 'operator');
    return;
  }
  if (op.scopeType === 'run') {
    if (!roleAtLeast(runRole, 'collaborator'))
      throw new ForbiddenError(`This needs the collaborator role on run ${op.scopeId}; you are ${runRole}`);
  }
}
