import path from 'node:path';
import { z } from 'zod';
import { refreshLastEdited, runExists, runPath } from '@arkive/shared';
import { defineRoute } from '../../../http/route';
import { page, paginationQuery } from '../../../http/pagination';
import { freshness, presentBackup } from './common';

export const listRunBackups = defineRoute({
  method: 'get',
  path: '/api/runs/:runid/backups',
  summary:
    "The run's backups, newest first, with last_backup_at, last_edited_at (an mtime scan of the run) and stale: true when the run changed after its last backup",
  tags: ['backups'],
  access: { kind: 'run', role: 'viewer' },
  params: z.object({ runid: z.string() }),
  query: paginationQuery,
  async handler({ deps, params, query }) {
    const runid = params.runid;
    const present = await runExists(deps.config.runsRoot, runid);
    if (present)
      await refreshLastEdited(deps.prisma, runid, path.resolve(runPath(deps.config.runsRoot, runid)));
    const [run, rows, total] = await Promise.all([
      deps.prisma.run.findUniqueOrThrow({ where: { id: runid } }),
      deps.prisma.backup.findMany({
        where: { runId: runid },
        orderBy: [{ time: 'desc' }, { id: 'desc' }],
        take: query.limit,
        skip: query.offset,
      }),
      deps.prisma.backup.count({ where: { runId: runid } }),
    ]);
    return {
      ...page(
        rows.map((b) => presentBackup(runid, b)),
        total,
        query,
      ),
      ...freshness(run, deps.config.backup.defaultRegion),
      run_directory_present: present,
    };
  },
});
