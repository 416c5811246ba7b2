import type { PrismaClient } from '../db';

/** The kinds that make and apply copies: never held back by the copies they serve. */
export const COPY_KIND_NAMES: ReadonlySet<string> = new Set(['run-copy', 'run-copy-apply']);

/**
 * Copies into a run that are ready to apply (their apply operation exists) and not applied yet:
 * other work on the run waits for them, so a run starts its work with its copies in place, also
 * after its host was offline.
 */
export async function copiesWaitingFor(prisma: PrismaClient, runid: string): Promise<number> {
  return prisma.pendingCopy.count({
    where: { destRunId: runid, status: { in: ['pending', 'applying'] }, applyOperationId: { not: null } },
  });
}
