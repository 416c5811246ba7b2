import { z } from 'zod';
import { BACKUP_PURPOSES, enqueueOperation, requireRunDir, runBackup } from '@arkive/shared';
import { acceptedSchema } from '@arkive/shared/contracts';
import { defineRoute } from '../../../http/route';
import { requireRestic } from './common';

export const createRunBackup = defineRoute({
  method: 'post',
  path: '/api/runs/:runid/backups',
  summary:
    'Back the run up into its repository now (202 {operationId, channel}; progress on <runid>:archive; one operation per run at a time)',
  tags: ['backups'],
  access: { kind: 'run', role: 'collaborator' },
  params: z.object({ runid: z.string() }),
  body: z.object({ purpose: z.enum(BACKUP_PURPOSES).optional() }).optional(),
  response: acceptedSchema,
  status: 202,
  async handler({ deps, params, body, user }) {
    requireRestic();
    await requireRunDir(deps.config.runsRoot, params.runid);
    const { operation, operationId, channel } = await enqueueOperation(
      deps,
      runBackup,
      { runid: params.runid, purpose: body?.purpose ?? 'manual' },
      { createdBy: user?.username },
    );
    return { operationId, channel, status: operation.status };
  },
});
