import { z } from 'zod';
import { enqueueOperation, runRestore } from '@arkive/shared';
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

/** JSON `{archiveName, preRestoreSnapshot?}`, or the original dashboard's field names `archive_name`, `pre_restore_snapshot`. */
const body = z
  .object({
    archiveName: z.unknown().optional(),
    archive_name: z.unknown().optional(),
    preRestoreSnapshot: bool.optional(),
    pre_restore_snapshot: bool.optional(),
  })
  .transform((b) => ({
    archiveName: b.archiveName ?? b.archive_name,
    preRestoreSnapshot: b.preRestoreSnapshot ?? b.pre_restore_snapshot ?? true,
  }));

export const restoreRunArchive = defineRoute({
  method: 'post',
  path: '/api/runs/:runid/restore',
  summary:
    'Replace everything in the run except archives/ with an archive (202; the current content is kept as a pre-restore archive unless preRestoreSnapshot is false)',
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
    await requireArchiveFile(runDir, runid, archiveName);
    const { operation, operationId, channel } = await enqueueOperation(
      deps,
      runRestore,
      { runid, archiveName, preRestoreSnapshot: b.preRestoreSnapshot },
      { createdBy: user?.username },
    );
    return { operationId, channel, status: operation.status };
  },
});
