import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError, BACKUP_ZIPS_DIR, NotFoundError } from '@arkive/shared';
import { defineRoute } from '../../../http/route';
import { sendFile } from '../../../http/send-file';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const downloadBackupZip = defineRoute({
  method: 'get',
  path: '/api/runs/:runid/backups/:id/zips/:zipId',
  summary:
    'Download a ZIP made by POST .../backups/:id/zip (members of the run; Range, ETag = SHA-256; 410 BACKUP_ZIP_EXPIRED after BACKUP_ZIP_TTL_HOURS)',
  tags: ['backups'],
  access: { kind: 'run', role: 'viewer' },
  params: z.object({ runid: z.string(), id: z.string(), zipId: z.string() }),
  raw: true,
  async handler({ deps, params, req, res }) {
    const { runid, id, zipId } = params;
    const row = UUID.test(zipId) ? await deps.prisma.backupZip.findUnique({ where: { id: zipId } }) : null;
    if (!row || row.runId !== runid || row.backupId !== id)
      throw new NotFoundError('BACKUP_ZIP_NOT_FOUND', `ZIP ${zipId} of backup ${id} not found`);
    const file = path.join(deps.config.dataDir, BACKUP_ZIPS_DIR, `${row.id}.zip`);
    const st =
      row.expiredAt || row.expiresAt <= new Date() ? null : await fs.promises.stat(file).catch(() => null);
    if (!st || st.size !== Number(row.size))
      throw new AppError(
        'BACKUP_ZIP_EXPIRED',
        `ZIP ${zipId} expired (ZIPs of backups are kept ${deps.config.backup.zipTtlHours} h): make a new one`,
        410,
      );
    await sendFile(
      req,
      res,
      deps.logger,
      {
        file,
        size: st.size,
        filename: `${runid}-backup-${row.snapshotId.slice(0, 8)}.zip`,
        contentType: 'application/zip',
        etag: `"${row.sha256}"`,
        what: 'the ZIP',
      },
      { runid, zipId },
    );
  },
});
