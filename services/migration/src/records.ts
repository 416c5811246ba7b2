import type { Prisma, PrismaClient } from '@arkive/shared';

export interface MigrationRecord {
  localPath?: string;
  traitsDetected?: unknown;
  lastMigrationVersion?: number;
  lastStatus?: string;
  lastOperationId?: string;
  lastMessage?: string | null;
  archiveBefore?: string | null;
  archiveAfter?: string | null;
}

/** Upserts the run's row of the migrations table (one per run; run sync adds provenance to it). */
export async function recordMigration(
  prisma: PrismaClient,
  runid: string,
  r: MigrationRecord,
): Promise<void> {
  const data = {
    ...r,
    traitsDetected: r.traitsDetected === undefined ? undefined : (r.traitsDetected as Prisma.InputJsonValue),
    lastMessage: r.lastMessage?.slice(0, 2000),
  };
  await prisma.runMigration.upsert({ where: { runid }, create: { runid, ...data }, update: data });
}
