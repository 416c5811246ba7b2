import { z } from 'zod';
import { AppError, NotFoundError } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { runParams } from '../runs/archives/common';

/**
 * Flags (or unflags) a run's last pre/post-migration archive pair as a regression fixture. Only a
 * pair of a successful migration can be a fixture; `arkive migrations export-fixture` writes it out.
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
    await deps.prisma.runMigration.update({
      where: { runid: params.runid },
      data: { isFixture: body.is_fixture },
    });
    return {
      runid: row.runid,
      is_fixture: body.is_fixture,
      archive_before: row.archiveBefore,
      archive_after: row.archiveAfter,
    };
  },
});
