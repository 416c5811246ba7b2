import { ACTIVE_STATUSES, channels, requireRunDir } from '@arkive/shared';
import { runMigrationStatusSchema } from '@arkive/shared/contracts';
import { inspectRun, TRAITS } from '@arkive/shared/migration';
import type { AppDeps as ApiDeps } from '../../deps';
import { defineRoute } from '../../http/route';
import { runParams } from '../runs/archives/common';

const MIGRATION_KINDS = ['run-migration', 'run-migration-dry-run', 'run-migration-validate'];

/** Version, traits (detected now, read-only) and the last migration of a run. */
export async function runMigrationStatus(deps: ApiDeps, runid: string) {
  const dir = await requireRunDir(deps.config.runsRoot, runid);
  const inspection = await inspectRun({ dir, runid }, TRAITS, deps.config.migration.currentVersion);
  const row = await deps.prisma.runMigration.findUnique({ where: { runid } });
  const active = await deps.prisma.operation.findFirst({
    where: {
      scopeType: 'run',
      scopeId: runid,
      kind: { in: MIGRATION_KINDS },
      status: { in: [...ACTIVE_STATUSES] },
    },
    orderBy: { createdAt: 'desc' },
  });
  return {
    runid,
    version: inspection.version,
    current_version: inspection.current_version,
    needs_migration: inspection.needsMigration,
    traits: inspection.traits,
    planned: inspection.planned,
    last: row
      ? {
          status: row.lastStatus,
          at: row.updatedAt.toISOString(),
          archive_before: row.archiveBefore,
          archive_after: row.archiveAfter,
          message: row.lastMessage,
          operation_id: row.lastOperationId,
          is_fixture: row.isFixture,
        }
      : null,
    active: active
      ? { id: active.id, kind: active.kind, status: active.status, channel: active.channel }
      : null,
    channel: channels.runMigration(runid),
  };
}

export const getRunMigration = defineRoute({
  method: 'get',
  path: '/api/runs/:runid/migration',
  summary: "The run's nodb version, its traits (detected now) and planned migrations, and its last migration",
  tags: ['migrations'],
  access: { kind: 'run', role: 'viewer' },
  params: runParams,
  response: runMigrationStatusSchema,
  handler: ({ deps, params }) => runMigrationStatus(deps, params.runid),
});
