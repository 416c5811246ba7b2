import { memberRunIds, visibleOperationsFilter, type Prisma } from '@arkive/shared';
import type { AppDeps } from '../deps';
import type { AuthUser } from './types';

/** Which operations a user may see: the one rule of shared/src/auth/visibility.ts as a Prisma filter. */
export async function visibleOperationsWhere(
  user: AuthUser | undefined,
  deps: AppDeps,
): Promise<Prisma.OperationWhereInput> {
  if (!user || user.isAdmin) return visibleOperationsFilter(user, []);
  return visibleOperationsFilter(user, await memberRunIds(deps.prisma, user.id));
}
