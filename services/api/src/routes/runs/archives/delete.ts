import fs from 'node:fs/promises';
import { ConflictError, NotFoundError } from '@arkive/shared';
import { defineRoute } from '../../../http/route';
import { activeRunOperation, archiveFile, archiveParams, assertArchiveName, requireRun } from './common';

export const deleteRunArchive = defineRoute({
  method: 'delete',
  path: '/api/runs/:runid/archives/:name',
  summary: 'Delete an archive of the run (refused while an archive/restore operation on the run is active)',
  tags: ['archives'],
  access: { kind: 'run', role: 'collaborator' },
  params: archiveParams,
  status: 204,
  async handler({ deps, params }) {
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
    const file = archiveFile(runDir, name);
    const removedFile = await fs.rm(file).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return false;
        throw err;
      },
    );
    // A row whose archive also lives in a bucket keeps tracking the bucket copy; only the local path goes.
    const { count: kept } = await deps.prisma.archive.updateMany({
      where: { runId: runid, name, bucketKey: { not: null } },
      data: { localPath: null },
    });
    const { count: deleted } = await deps.prisma.archive.deleteMany({
      where: { runId: runid, name, bucketKey: null },
    });
    if (!removedFile && kept + deleted === 0)
      throw new NotFoundError('ARCHIVE_NOT_FOUND', `Archive ${name} not found in run ${runid}`);
    return undefined;
  },
});
