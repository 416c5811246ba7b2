import fs from 'node:fs/promises';
import { z } from 'zod';
import { AppError, enqueueOperation, runDelete, runPath, treeStats } from '@arkive/shared';
import { acceptedSchema } from '@arkive/shared/contracts';
import { defineRoute } from '../../http/route';

const params = z.object({ runid: z.string() });

/** What deleting the run removes, said before it is done. */
export const runDeletionPlan = defineRoute({
  method: 'get',
  path: '/api/runs/:runid/deletion-plan',
  summary:
    "What DELETE /api/runs/:runid would remove: the run's directory (files, bytes), its archives and its backups (owner or admin)",
  tags: ['runs'],
  access: { kind: 'run', role: 'owner' },
  params,
  response: z.object({
    runid: z.string(),
    directory_present: z.boolean(),
    files: z.number(),
    bytes: z.number(),
    archives: z.number(),
    archive_bytes: z.number(),
    backups: z.number(),
    message: z.string(),
  }),
  async handler({ deps, params: p }) {
    const dir = runPath(deps.config.runsRoot, p.runid);
    const present = await fs.stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    const stats = present ? await treeStats(dir) : { sizeBytes: 0, fileCount: 0 };
    const archives = await deps.prisma.archive.aggregate({
      where: { runId: p.runid },
      _count: true,
      _sum: { size: true },
    });
    const backups = await deps.prisma.backup.count({ where: { runId: p.runid } });
    return {
      runid: p.runid,
      directory_present: present,
      files: stats.fileCount,
      bytes: stats.sizeBytes,
      archives: archives._count,
      archive_bytes: Number(archives._sum.size ?? 0),
      backups,
      message: `Deleting ${p.runid} removes its directory (${stats.fileCount} files, archives/ included), its ${archives._count} archives and its ${backups} backups (forgotten now, their data removed at the repository's next prune). This cannot be undone.`,
    };
  },
});

/** Deletes a run; the caller confirms by naming it (`?confirm=<runid>`). */
export const deleteRun = defineRoute({
  method: 'delete',
  path: '/api/runs/:runid',
  summary:
    'Delete a run: its directory (archives included), its backups (forgotten now, pruned later) and its records (202; owner or admin; ?confirm=<runid> required, else 400 CONFIRMATION_REQUIRED; 409 while other work on the run is active)',
  tags: ['runs'],
  access: { kind: 'run', role: 'owner' },
  params,
  query: z.object({ confirm: z.string().max(200).optional() }),
  response: acceptedSchema,
  status: 202,
  async handler({ deps, params: p, query, user }) {
    if (query.confirm !== p.runid)
      throw new AppError(
        'CONFIRMATION_REQUIRED',
        `Deleting a run cannot be undone: repeat its name as ?confirm=${p.runid} (GET /api/runs/${p.runid}/deletion-plan says what is removed)`,
        400,
      );
    const { operation, operationId, channel } = await enqueueOperation(
      deps,
      runDelete,
      { runid: p.runid },
      { createdBy: user?.username },
    );
    deps.logger.info({ by: user?.id, runid: p.runid, operationId }, 'run deletion queued');
    return { operationId, channel, status: operation.status };
  },
});
