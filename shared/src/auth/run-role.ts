import type { PrismaClient } from '../db';
import type { AuthUser, RunRoleName } from './types';

const RANK: Record<RunRoleName, number> = { viewer: 1, collaborator: 2, owner: 3 };

/** True when `role` is at least `min` (viewer < collaborator < owner). */
export function roleAtLeast(role: RunRoleName | null | undefined, min: RunRoleName): boolean {
  return !!role && RANK[role] >= RANK[min];
}

export interface RunAccess {
  /** The run is registered. */
  exists: boolean;
  /** The caller's membership role (null when not a member). */
  role: RunRoleName | null;
  /** What the caller may do: the membership role, or 'owner' for admins. Null = the run is invisible to them. */
  effectiveRole: RunRoleName | null;
}

/** The caller's access to a run. Admins act as owners of every run. */
export async function runAccessOf(
  prisma: PrismaClient,
  user: Pick<AuthUser, 'id' | 'isAdmin'>,
  runid: string,
): Promise<RunAccess> {
  const run = await prisma.run.findUnique({
    where: { id: runid },
    select: { id: true, members: { where: { userId: user.id }, select: { role: true } } },
  });
  if (!run) return { exists: false, role: null, effectiveRole: null };
  const role = (run.members[0]?.role as RunRoleName | undefined) ?? null;
  return { exists: true, role, effectiveRole: user.isAdmin ? 'owner' : role };
}

/**
 * The role a user may act with on a run: viewer (read, download, watch progress), collaborator
 * (also archive and restore), owner (also manage members); admins get 'owner' on every run;
 * null when the run does not exist or the user is not a member.
 */
export async function runRoleOf(
  prisma: PrismaClient,
  user: Pick<AuthUser, 'id' | 'isAdmin'>,
  runid: string,
): Promise<RunRoleName | null> {
  return (await runAccessOf(prisma, user, runid)).effectiveRole;
}
