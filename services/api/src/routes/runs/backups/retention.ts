import { z } from 'zod';
import { AppError, backupPrune, enqueueOperation, retentionPolicy, runRepoId } from '@arkive/shared';
import { acceptedSchema } from '@arkive/shared/contracts';
import { defineRoute } from '../../../http/route';
import { requireRestic } from './common';

export const setRunRetention = defineRoute({
  method: 'put',
  path: '/api/runs/:runid/backups/retention',
  summary:
    "Set the run's backup retention policy {keepLast?, keepDaily?, keepWeekly?, keepMonthly?, keepWithinDays?} (applied by POST .../backups/prune)",
  tags: ['backups'],
  access: { kind: 'run', role: 'owner' },
  params: z.object({ runid: z.string() }),
  body: retentionPolicy,
  async handler({ deps, params, body }) {
    await deps.prisma.run.update({ where: { id: params.runid }, data: { backupRetention: body } });
    return { policy: body };
  },
});

export const pruneRunBackups = defineRoute({
  method: 'post',
  path: '/api/runs/:runid/backups/prune',
  summary:
    "Apply the run's retention policy now: restic forget + prune on the repository's exclusive slot (202; 409 NO_RETENTION_POLICY without a policy)",
  tags: ['backups'],
  access: { kind: 'run', role: 'collaborator' },
  params: z.object({ runid: z.string() }),
  response: acceptedSchema,
  status: 202,
  async handler({ deps, params, user }) {
    const run = await deps.prisma.run.findUniqueOrThrow({ where: { id: params.runid } });
    const policy = retentionPolicy.safeParse(run.backupRetention);
    if (!policy.success)
      throw new AppError(
        'NO_RETENTION_POLICY',
        `Run ${params.runid} has no retention policy; set one first`,
        409,
      );
    requireRestic();
    const repoId = await runRepoId(deps.prisma, deps.config, params.runid);
    const { operation, operationId, channel } = await enqueueOperation(
      deps,
      backupPrune,
      { runid: params.runid, repoId, policy: policy.data },
      { createdBy: user?.username },
    );
    return { operationId, channel, status: operation.status };
  },
});
