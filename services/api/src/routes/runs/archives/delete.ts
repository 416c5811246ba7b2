import fs from 'node:fs/promises';
import { ConflictError, NotFoundError } from '@arkive/shared';
import { defineRoute } from '../../../http/route';
import { removeArchive } from '../../../retention/remove';
import { activeRunOperation, archiveFile, archiveParams, assertArchiveName, requireRun } from './common';

export const deleteRunArchive = defineRoute({
  method: 'delete',
  path: '/api/runs/:runid/archives/:name',
  summary:
    'Delete an archive of the run (owners; refused while an archive/restore operation on the run is active); the deletion is logged on the run',
  tags: ['archives'],
  access: { kind: 'run', role: 'owner' },
  params: archiveParams,
  status: 204,
  async handler({ deps, params, user }) {
    const { runid } = params;
    const runDir = await requireRun(deps, runid);
    const name = assertArchiveName(params.name);
    const active = await activeRunOperation(deps, runid);
    if (active)
      throw new ConflictError(
        'OPERATION_ACTIVE',
        `A ${active.kind} is ${active.status} for run ${runid}; delete the archive when it has finished`,
        { activeOperationId: active.id },
      );
    const [st, row] = await Promise.all([
      fs.lstat(archiveFile(runDir, name)).catch(() => null),
      deps.prisma.archive.findUnique({ where: { runId_name: { runId: runid, name } } }),
    ]);
    const removed = await removeArchive(deps, {
      runid,
      runDir,
      name,
      kind: row?.kind ?? (name.startsWith('pre-restore-') ? 'pre-restore' : 'snapshot'),
      size: st?.size ?? Number(row?.size ?? 0),
      reason: 'user',
      detail: user?.username ?? 'unknown',
    });
    if (!removed) throw new NotFoundError('ARCHIVE_NOT_FOUND', `Archive ${name} not found in run ${runid}`);
    return undefined;
  },
});
