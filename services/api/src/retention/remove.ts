import fs from 'node:fs/promises';
import path from 'node:path';
import { ARCHIVES_DIR } from '@arkive/shared';
import type { AppDeps } from '../deps';

export interface ArchiveRemoval {
  runid: string;
  runDir: string;
  name: string;
  kind: string;
  size: number;
  reason: 'user' | 'retention';
  /** Who (a username) or which rule. */
  detail: string;
}

/**
 * Deletes an archive's local file and its row (a row whose archive also lives in a bucket keeps
 * tracking the bucket copy), and records the deletion in archive_deletions and the log.
 * Returns false when there was nothing to delete.
 */
export async function removeArchive(deps: AppDeps, r: ArchiveRemoval): Promise<boolean> {
  const file = path.join(r.runDir, ARCHIVES_DIR, r.name);
  const removedFile = await fs.rm(file).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
  const { count: kept } = await deps.prisma.archive.updateMany({
    where: { runId: r.runid, name: r.name, bucketKey: { not: null } },
    data: { localPath: null },
  });
  const { count: deleted } = await deps.prisma.archive.deleteMany({
    where: { runId: r.runid, name: r.name, bucketKey: null },
  });
  if (!removedFile && kept + deleted === 0) return false;
  await deps.prisma.archiveDeletion.create({
    data: {
      runId: r.runid,
      name: r.name,
      kind: r.kind,
      size: BigInt(r.size),
      reason: r.reason,
      detail: r.detail.slice(0, 500),
    },
  });
  deps.logger.info(
    { runid: r.runid, archive: r.name, kind: r.kind, size: r.size, reason: r.reason, detail: r.detail },
    r.reason === 'retention' ? 'archive deleted by retention' : 'archive deleted',
  );
  return true;
}
