import type { PrismaClient } from '../db';
import type { Prisma } from '../generated/prisma/client';

/** Whoever looks: a signed-in user (REST request, socket, e-mail link owner). */
export interface Viewer {
  id: number;
  username: string;
  isAdmin: boolean;
}

export interface OperationScope {
  scopeType: string;
  scopeId: string;
  createdBy?: string | null;
}

const NOBODY = '00000000-0000-0000-0000-000000000000';

function isCreator(viewer: Viewer, createdBy: string | null | undefined): boolean {
  return !!createdBy && (createdBy === viewer.username || createdBy === String(viewer.id));
}

/**
 * The one rule for who may see an operation — its REST list and detail, its logs, and its live
 * events on every channel (`operations` included): administrators see everything; a run's
 * operations are seen by the run's members; folder jobs are one shared queue every signed-in user
 * sees (cold-storage PRD); any other scope (gallery, host, system) by its creator.
 */
export function canSeeOperation(
  viewer: Viewer,
  scope: OperationScope,
  memberRuns: ReadonlySet<string>,
): boolean {
  if (viewer.isAdmin) return true;
  switch (scope.scopeType) {
    case 'run':
      return memberRuns.has(scope.scopeId);
    case 'folder':
      return true;
    default:
      return isCreator(viewer, scope.createdBy);
  }
}

/** The same rule as a Prisma filter (lists). */
export function visibleOperationsFilter(
  viewer: Viewer | undefined,
  memberRuns: readonly string[],
): Prisma.OperationWhereInput {
  if (!viewer) return { id: NOBODY };
  if (viewer.isAdmin) return {};
  return {
    OR: [
      { scopeType: 'run', scopeId: { in: [...memberRuns] } },
      { scopeType: 'folder' },
      { scopeType: { notIn: ['run', 'folder'] }, createdBy: { in: [viewer.username, String(viewer.id)] } },
    ],
  };
}

/** The runs a user is a member of (any role). */
export async function memberRunIds(prisma: PrismaClient, userId: number): Promise<string[]> {
  const rows = await prisma.runMember.findMany({ where: { userId }, select: { runId: true } });
  return rows.map((r) => r.runId);
}
