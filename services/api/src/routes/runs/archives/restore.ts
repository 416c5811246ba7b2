import { z } from 'zod';
import { AppError, countArchiveFiles, enqueueOperation, runRestore } from '@arkive/shared';
import { defineRoute } from '../../../http/route';
import {
  assertArchiveName,
  assertRunUnlocked,
  enqueuedSchema,
  requireArchiveFile,
  requireRun,
  runParams,
} from './common';

const bool = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0', 'on', 'off']).transform((s) => s === 'true' || s === '1' || s === 'on'),
]);

/**
 * JSON `{archiveName, preRestoreSnapshot?, allowEmpty?}` (or the original dashboard's field names
 * `archive_name`, `pre_restore_snapshot`). `allowEmpty` confirms restoring an archive that holds no files.
 */
const body = z
  .object({
    archiveName: z.unknown().optional(),
    archive_name: z.unknown().optional(),
    preRestoreSnapshot: bool.optional(),
    pre_restore_snapshot: bool.optional(),
    allowEmpty: bool.optional(),
    allow_empty: bool.optional(),
  })
  .transform((b) => ({
    archiveName: b.archiveName ?? b.archive_name,
    preRestoreSnapshot: b.preRestoreSnapshot ?? b.pre_restore_snapshot ?? true,
    allowEmpty: b.allowEmpty ?? b.allow_empty ?? false,
  }));

/**
 * 422 ARCHIVE_EMPTY unless the archive holds at least one file or the caller confirmed with
 * allowEmpty (a corrupt archive is a 422 ARCHIVE_CORRUPT here already). The worker checks again.
 */
async function assertNotEmpty(file: string, archiveName: string, runid: string): Promise<void> {
  const { files, entries } = await countArchiveFiles(file);
  if (files > 0) return;
  throw new AppError(
    'ARCHIVE_EMPTY',
    `Archive ${archiveName} holds no files${entries ? ` (only ${entries} folder or link entries)` : ''}: restoring it would leave run ${runid} without any files. Send allowEmpty: true to restore it anyway`,
    422,
    { archiveName, entries },
  );
}

export const restoreRunArchive = defineRoute({
  method: 'post',
  path: '/api/runs/:runid/restore',
  summary:
    'Replace everything in the run except archives/ with an archive (202; the current content is kept as a pre-restore archive unless preRestoreSnapshot is false; an archive without files needs allowEmpty: true, else 422 ARCHIVE_EMPTY)',
  tags: ['archives'],
  access: { kind: 'run', role: 'collaborator' },
  params: runParams,
  body,
  response: enqueuedSchema,
  status: 202,
  async handler({ deps, params, body: b, user }) {
    const runid = params.runid;
    const runDir = await requireRun(deps, runid);
    const archiveName = assertArchiveName(b.archiveName);
    await assertRunUnlocked(deps, runid, runDir);
    const { file } = await requireArchiveFile(runDir, runid, archiveName);
    if (!b.allowEmpty) await assertNotEmpty(file, archiveName, runid);
    const { operation, operationId, channel } = await enqueueOperation(
      deps,
      runRestore,
      { runid, archiveName, preRestoreSnapshot: b.preRestoreSnapshot, allowEmpty: b.allowEmpty },
      { createdBy: user?.username },
    );
    return { operationId, channel, status: operation.status };
  },
});
