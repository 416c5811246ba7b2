import { defineRoute } from '../../http/route';
import { presentRun, runIdParams, runSchema } from './schemas';

export const getRun = defineRoute({
  method: 'get',
  path: '/api/runs/:runid',
  summary: 'One run, with your role, whether its directory exists and its lock status',
  tags: ['runs'],
  access: { kind: 'run', role: 'viewer' },
  params: runIdParams,
  response: runSchema,
  async handler({ deps, params, user }) {
    const run = await deps.prisma.run.findUniqueOrThrow({
      where: { id: params.runid },
      include: { members: { where: { userId: user!.id }, select: { role: true } } },
    });
    const { members, ...rest } = run;
    return presentRun(deps, rest, members[0]?.role ?? null, user!.isAdmin);
  },
});
