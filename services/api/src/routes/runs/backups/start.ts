import { z } from 'zod';
import {
  ACTIVE_STATUSES,
  enqueueOperation,
  NotFoundError,
  runBackupRestore,
  runExists,
} from '@arkive/shared';
import { defineRoute } from '../../../http/route';
import { requireRestic } from './common';

/**
 * Restore-on-missing. A run whose directory is present is ready at once (200). A missing one with a
 * backup is restored from its newest backup first (202 {operationId, channel}; progress on
 * <runid>:archive; a second start while it runs answers the same operation). Neither: 404
 * RUN_DATA_MISSING.
 */
export const startRun = defineRoute({
  method: 'post',
  path: '/api/runs/:runid/start',
  summary:
    "Start a run: 200 {status: 'ready'} when its directory is present; when it is missing, restores its newest backup first (202 {operationId, channel, status: 'restoring'}); 404 RUN_DATA_MISSING when there is no backup either",
  tags: ['backups'],
  access: { kind: 'run', role: 'collaborator' },
  params: z.object({ runid: z.string() }),
  async handler({ deps, params, user, res }) {
    const runid = params.runid;
    if (await runExists(deps.config.runsRoot, runid)) return { status: 'ready', restored: false };
    const active = await deps.prisma.operation.findFirst({
      where: { kind: runBackupRestore.kind, scopeId: runid, status: { in: [...ACTIVE_STATUSES] } },
      orderBy: { createdAt: 'desc' },
    });
    if (active) {
      res.status(202).json({ operationId: active.id, channel: active.channel, status: 'restoring' });
      return;
    }
    const newest = await deps.prisma.backup.findFirst({ where: { runId: runid }, orderBy: { time: 'desc' } });
    if (!newest)
      throw new NotFoundError(
        'RUN_DATA_MISSING',
        `Run ${runid} has no directory and no backup to restore it from`,
      );
    requireRestic();
    const { operationId, channel } = await enqueueOperation(
      deps,
      runBackupRestore,
      { runid, backupId: newest.id, preRestoreSnapshot: false, intoMissing: true },
      { createdBy: user?.username },
    );
    res.status(202).json({ operationId, channel, status: 'restoring', backup_id: newest.id });
  },
});
