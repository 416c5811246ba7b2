import fs from 'node:fs/promises';
import path from 'node:path';
import type { Request } from 'express';
import { z } from 'zod';
import {
  ARCHIVES_DIR,
  ForbiddenError,
  NotFoundError,
  createSnapshot,
  recordArchive,
  roleAtLeast,
  type Archive,
} from '@arkive/shared';
import type { AppDeps } from '../../../deps';
import { assertArchiveName } from '../archives/common';

export const exportQuery = z.object({
  /** latest: the run's newest archive (default); snapshot: a fresh snapshot made for this export. */
  from: z.enum(['latest', 'snapshot']).default('latest'),
  /** Exactly this archive (what export/info named): a resumed download must get the same bytes. */
  name: z.string().optional(),
});

/** Whether this caller may have the export make a fresh snapshot (sync token, or collaborator and up). */
export function maySnapshot(req: Request): boolean {
  return req.viaSyncToken === true || roleAtLeast(req.runRole ?? null, 'collaborator');
}

export interface ExportArchive {
  name: string;
  file: string;
  size: number;
  sha256: string;
  files: number;
  createdAt: Date;
  mtime: Date;
}

/** The version marker of a run (`nodb.version`), or null when the run has none. */
export async function readRunVersion(runDir: string): Promise<number | null> {
  const raw = await fs.readFile(path.join(runDir, 'nodb.version'), 'utf8').catch(() => null);
  if (raw === null) return null;
  const n = Number.parseInt(raw.trim(), 10);
  return Number.isFinite(n) ? n : null;
}

async function withFile(runDir: string, row: Archive): Promise<ExportArchive | null> {
  const file = path.join(runDir, ARCHIVES_DIR, row.name);
  const st = await fs.lstat(file).catch(() => null);
  // A recorded size that disagrees with the file means the row is stale: never serve it as that SHA.
  if (!st?.isFile() || st.size !== Number(row.size)) return null;
  return {
    name: row.name,
    file,
    size: st.size,
    sha256: row.sha256,
    files: row.fileCount,
    createdAt: row.createdAt,
    mtime: st.mtime,
  };
}

/**
 * The archive an export serves: the named one, a fresh snapshot (`from=snapshot`, recorded like
 * any snapshot), or the newest recorded archive that is not a pre-restore copy. 404 otherwise.
 */
export async function selectExportArchive(
  deps: AppDeps,
  runid: string,
  runDir: string,
  q: z.infer<typeof exportQuery>,
  by: string | null,
  /** A fresh snapshot writes into the run: sync tokens and collaborators only (viewers read). */
  maySnapshot: boolean,
): Promise<ExportArchive> {
  if (q.name !== undefined) {
    const name = assertArchiveName(q.name);
    const row = await deps.prisma.archive.findUnique({ where: { runId_name: { runId: runid, name } } });
    const found = row ? await withFile(runDir, row) : null;
    if (!found) throw new NotFoundError('ARCHIVE_NOT_FOUND', `Archive ${name} not found in run ${runid}`);
    return found;
  }
  if (q.from === 'snapshot') {
    if (!maySnapshot)
      throw new ForbiddenError(
        `A fresh snapshot for export needs the collaborator role on run ${runid} (or a sync token)`,
      );
    const snap = await createSnapshot({ runDir, label: 'export', hostId: deps.config.hostId });
    await recordArchive(deps.prisma, {
      runId: runid,
      name: snap.name,
      label: 'export',
      size: snap.size,
      sha256: snap.sha256,
      fileCount: snap.fileCount,
      localPath: snap.path,
      kind: 'snapshot',
      operationId: null,
      createdBy: by,
    });
    const row = await deps.prisma.archive.findUniqueOrThrow({
      where: { runId_name: { runId: runid, name: snap.name } },
    });
    const found = await withFile(runDir, row);
    if (found) return found;
  }
  const rows = await deps.prisma.archive.findMany({
    where: { runId: runid, kind: { not: 'pre-restore' } },
    orderBy: [{ createdAt: 'desc' }, { name: 'desc' }],
    take: 20,
  });
  for (const row of rows) {
    const found = await withFile(runDir, row);
    if (found) return found;
  }
  throw new NotFoundError(
    'NO_ARCHIVE',
    `Run ${runid} has no archive to export; ask for a fresh one with from=snapshot`,
  );
}
