import type { Prisma } from '@arkive/shared';
import type { AppDeps } from '../deps';
import type { AuthUser } from './types';

/**
 * Which operations a user may see: admins all; others the operations of runs they are members
 * of, plus the shared (non-run) queue of folder jobs, as in the cold-storage PRD.
 */
export async function visibleOperationsWhere(
  user: AuthUser | undefined,
  deps: AppDeps,
): Promise<Prisma.OperationWhereInput> {
  if (user?.isAdmin) return {};
  if (!user) return { id: '00000000-0000-0000-0000-000000000000' };
  const runs = await deps.prisma.runMember.findMany({ where: { userId: user.id }, select: { runId: true } });
  return {
    OR: [{ scopeType: { not: 'run' } }, { scopeType: 'run', scopeId: { in: runs.map((r) => r.runId) } }],
  };
}
