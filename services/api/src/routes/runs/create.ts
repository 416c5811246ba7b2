import fs from 'node:fs/promises';
import { z } from 'zod';
import { ConflictError, Prisma, runPath } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { presentRun, runIdSchema, runSchema } from './schemas';

export const createRun = defineRoute({
  method: 'post',
  path: '/api/runs',
  summary: 'Register a run: creates RUNS_ROOT/<runid> or adopts an existing directory; you become its owner',
  tags: ['runs'],
  access: { kind: 'user' },
  body: z.object({ runid: runIdSchema }),
  response: runSchema,
  status: 201,
  async handler({ deps, body, user }) {
    const dir = runPath(deps.config.runsRoot, body.runid);
    if (await deps.prisma.run.findUnique({ where: { id: body.runid }, select: { id: true } })) {
      throw new ConflictError('RUN_EXISTS', `Run ${body.runid} is already registered`);
    }
    let run;
    try {
      run = await deps.prisma.run.create({
        data: {
          id: body.runid,
          createdBy: user!.username,
          // Created in this API host's RUNS_ROOT, so placed on this host.
          hostId: deps.config.hostId,
          members: { create: { userId: user!.id, role: 'owner' } },
        },
      });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
        throw new ConflictError('RUN_EXISTS', `Run ${body.runid} is already registered`);
      throw err;
    }
    try {
      await fs.mkdir(dir, { recursive: true });
    } catch (err) {
      await deps.prisma.run.delete({ where: { id: run.id } }).catch(() => undefined);
      // Something that is not a directory already has the run's name under RUNS_ROOT.
      if (
        (err as NodeJS.ErrnoException).code === 'EEXIST' ||
        (err as NodeJS.ErrnoException).code === 'ENOTDIR'
      )
        throw new ConflictError(
          'RUN_PATH_NOT_DIRECTORY',
          `RUNS_ROOT/${body.runid} exists and is not a directory`,
        );
      throw err;
    }
    deps.logger.info({ runid: run.id, by: user!.id }, 'run registered');
    return presentRun(deps, run, 'owner', user!.isAdmin);
  },
});
