import path from 'node:path';
import { z } from 'zod';
import { AppError, ARCHIVES_DIR, NotFoundError, runPath } from '@arkive/shared';
import { writeFixture } from '@arkive/shared/migration';
import { defineRoute } from '../../http/route';
import { runParams } from '../runs/archives/common';

/**
 * Flags (or unflags) a run's last pre/post-migration archive pair as a regression fixture. Only a
 * pair of a successful migration can be a fixture. Flagging exports it to
 * `DATA_DIR/migration-fixtures/<runid>/` (pre.zip, post.zip, fixture.json): copy that folder to
 * services/migration/fixtures/ and the test suite replays it (pre → migrate → must equal post).
 */
export const flagMigrationFixture = defineRoute({
  method: 'put',
  path: '/api/migrations/:runid/fixture',
  summary: "Flag a run's pre/post-migration archive pair as a regression fixture (admins)",
  tags: ['migrations'],
  access: { kind: 'admin' },
  params: runParams,
  body: z.object({ is_fixture: z.boolean() }),
  response: z.object({
    runid: z.string(),
    is_fixture: z.boolean(),
    archive_before: z.string(),
    archive_after: z.string(),
    exported_to: z.string().nullable(),
  }),
  async handler({ deps, params, body }) {
    const row = await deps.prisma.runMigration.findUnique({ where: { runid: params.runid } });
    if (!row) throw new NotFoundError('MIGRATION_NOT_FOUND', `Run ${params.runid} has no recorded migration`);
    if (row.lastStatus !== 'succeeded' || !row.archiveBefore || !row.archiveAfter)
      throw new AppError(
        'MIGRATION_PAIR_MISSING',
        `Run ${params.runid} has no pre/post-migration archive pair (last status: ${row.lastStatus ?? 'none'})`,
        409,
      );
    let exported: string | null = null;
    if (body.is_fixture) {
      const archives = path.join(runPath(deps.config.runsRoot, params.runid), ARCHIVES_DIR);
      exported = path.join(deps.config.dataDir, 'migration-fixtures', params.runid);
      await writeFixture(
        exported,
        path.join(archives, row.archiveBefore),
        path.join(archives, row.archiveAfter),
        {
          runid: params.runid,
          current_version: row.lastMigrationVersion ?? deps.config.migration.currentVersion,
        },
      ).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT')
          throw new AppError(
            'ARCHIVE_NOT_FOUND',
            `The pre/post-migration archives of ${params.runid} are gone`,
            409,
          );
        throw err;
      });
    }
    await deps.prisma.runMigration.update({
      where: { runid: params.runid },
      data: { isFixture: body.is_fixture },
    });
    return {
      runid: row.runid,
      is_fixture: body.is_fixture,
      archive_before: row.archiveBefore,
      archive_after: row.archiveAfter,
      exported_to: exported,
    };
  },
});
