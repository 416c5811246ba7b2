import { z } from 'zod';
import { runRetentionSchema } from '@arkive/shared/contracts';
import { defineRoute } from '../../../http/route';
import { runIdParams } from '../schemas';
import { presentRetention } from './present';

const days = z.number().int().min(0).max(36500).nullable();

export const updateRunRetention = defineRoute({
  method: 'put',
  path: '/api/runs/:runid/retention',
  summary:
    "Sets a run's retention (owners): keepLast snapshots and/or those newer than keepDays days, pre-restore snapshots for preRestoreDays days; null = the default, 0 = no limit",
  tags: ['archives'],
  access: { kind: 'run', role: 'owner' },
  params: runIdParams,
  body: z
    .object({
      keepLast: z.number().int().min(0).max(100000).nullable(),
      keepDays: days,
      preRestoreDays: days,
    })
    .strict(),
  response: runRetentionSchema,
  async handler({ deps, params, body, user }) {
    const data = { ...body, updatedBy: user!.username };
    await deps.prisma.runRetention.upsert({
      where: { runId: params.runid },
      create: { runId: params.runid, ...data },
      update: data,
    });
    return presentRetention(deps, params.runid);
  },
});
