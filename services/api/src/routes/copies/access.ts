import {
  ForbiddenError,
  NotFoundError,
  roleAtLeast,
  type PrismaClient,
  type RunRoleName,
} from '@arkive/shared';
import type { AuthUser } from '../../auth/types';

export interface RunSeen {
  hostId: string;
  role: RunRoleName | null;
}

/** The caller's role on each run (admins: owner), and its host; a run missing from the map does not exist. */
export async function rolesOn(
  prisma: PrismaClient,
  user: Pick<AuthUser, 'id' | 'isAdmin'>,
  runids: string[],
): Promise<Map<string, RunSeen>> {
  const runs = await prisma.run.findMany({
    where: { id: { in: [...new Set(runids)] } },
    select: { id: true, hostId: true, members: { where: { userId: user.id }, select: { role: true } } },
  });
  return new Map(
    runs.map((r) => [
      r.id,
      {
        hostId: r.hostId,
        role: user.isAdmin ? 'owner' : ((r.members[0]?.role as RunRoleName | undefined) ?? null),
      },
    ]),
  );
}

/** 404 RUN_NOT_FOUND for a run the caller cannot see (the same as for one that does not exist), 403 below `min`. */
export function requireRole(seen: Map<string, RunSeen>, runid: string, min: RunRoleName): RunSeen {
  const s = seen.get(runid);
  if (!s || !s.role) throw new NotFoundError('RUN_NOT_FOUND', `Run ${runid} not found`);
  if (!roleAtLeast(s.role, min))
    throw new ForbiddenError(`Copying needs the ${min} role on run ${runid}; you are ${s.role}`);
  return s;
}
