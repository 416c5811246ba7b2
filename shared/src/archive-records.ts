import type { PrismaClient } from './db';

export interface ArchiveRecord {
  runId: string;
  name: string;
  label: string | null;
  size: number;
  sha256: string;
  fileCount: number;
  localPath: string;
  /** snapshot | pre-restore | pre-migration | post-migration ... */
  kind: string;
  /** The operation that made it; null for one made inside a request (a run-sync export snapshot). */
  operationId: string | null;
  /** Who the run row is created for if the run was not registered yet. */
  createdBy: string | null;
  /** Set when the archive was verified after it was written. */
  verifiedAt?: Date;
}

/** Upserts an archive's row (and the run row its foreign key needs): the one place archives are recorded. */
export async function recordArchive(prisma: PrismaClient, a: ArchiveRecord): Promise<void> {
  await prisma.run.upsert({
    where: { id: a.runId },
    create: { id: a.runId, createdBy: a.createdBy },
    update: {},
  });
  const data = {
    label: a.label,
    size: BigInt(a.size),
    sha256: a.sha256,
    fileCount: a.fileCount,
    localPath: a.localPath,
    kind: a.kind,
    operationId: a.operationId,
    ...(a.verifiedAt ? { verifiedAt: a.verifiedAt } : {}),
  };
  await prisma.archive.upsert({
    where: { runId_name: { runId: a.runId, name: a.name } },
    create: { runId: a.runId, name: a.name, ...data },
    update: data,
  });
}
