import { z } from 'zod';
import { backupZip, enqueueOperation, runRelativePath } from '@arkive/shared';
import { acceptedSchema } from '@arkive/shared/contracts';
import { defineRoute } from '../../../http/route';
import { backupParams, requireBackup, requireRestic } from './common';

export const createBackupZip = defineRoute({
  method: 'post',
  path: '/api/runs/:runid/backups/:id/zip',
  summary:
    'Make a downloadable ZIP (our format, with manifest) of a backup or of chosen paths {paths?}: restored to a temp folder, then zipped (202 {operationId, channel}; the result names the download URL; kept BACKUP_ZIP_TTL_HOURS)',
  tags: ['backups'],
  access: { kind: 'run', role: 'viewer' },
  params: backupParams,
  body: z
    .object({ paths: z.array(runRelativePath).max(1000).optional() })
    .strict()
    .optional(),
  response: acceptedSchema,
  status: 202,
  async handler({ deps, params, body, user }) {
    const { row } = await requireBackup(deps, params.runid, params.id);
    requireRestic();
    const { operation, operationId, channel } = await enqueueOperation(
      deps,
      backupZip,
      { runid: params.runid, backupId: row.id, ...(body?.paths?.length ? { paths: body.paths } : {}) },
      { createdBy: user?.username },
    );
    return { operationId, channel, status: operation.status };
  },
});

export const listBackupZips = defineRoute({
  method: 'get',
  path: '/api/runs/:runid/backups/zips',
  summary:
    "The run's ZIPs made from backups that have not expired yet, newest first, with their download URLs",
  tags: ['backups'],
  access: { kind: 'run', role: 'viewer' },
  params: z.object({ runid: z.string() }),
  async handler({ deps, params }) {
    const rows = await deps.prisma.backupZip.findMany({
      where: { runId: params.runid, expiredAt: null, expiresAt: { gt: new Date() } },
      orderBy: { createdAt: 'desc' },
      take: 100,
    });
    return {
      items: rows.map((z) => ({
        id: z.id,
        backup_id: z.backupId,
        short_id: z.snapshotId.slice(0, 8),
        paths: (z.paths as string[] | null) ?? null,
        size: Number(z.size),
        sha256: z.sha256,
        files: z.fileCount,
        created_at: z.createdAt.toISOString(),
        expires_at: z.expiresAt.toISOString(),
        download_url: `/api/runs/${encodeURIComponent(params.runid)}/backups/${z.backupId}/zips/${z.id}`,
      })),
    };
  },
});
