import fs from 'node:fs/promises';
import { z } from 'zod';
import { ConflictError, Prisma, runAccessOf, runPath } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { presentRun, runIdSchema, runSchema } from './schemas';

/**
 * What a non-member hears for a name that is taken, whether by a registered run they may not see or
 * by an unregistered directory only an admin may claim: the same answer, so neither leaks.
 */
const nameUnavailable = (runid: string) =>
  new ConflictError(
    'RUN_NAME_UNAVAILABLE',
    `The name ${runid} cannot be used for a new run; choose another name (an existing directory under RUNS_ROOT can only be registered by an administrator)`,
  );

const statOf = (p: string) => fs.lstat(p).catch(() => null);

export const createRun = defineRoute({
  method: 'post',
  path: '/api/runs',
  summary:
    'Create a run (an empty RUNS_ROOT/<runid>) or, admins only, register an existing directory; you become its owner. `outcome` says which',
  tags: ['runs'],
  access: { kind: 'user' },
  body: z.object({ runid: runIdSchema }),
  response: runSchema.extend({ outcome: z.enum(['created', 'registered']) }),
  status: 201,
  async handler({ deps, body, user }) {
    const dir = runPath(deps.config.runsRoot, body.runid);
    const access = await runAccessOf(deps.prisma, user!, body.runid);
    if (access.exists) {
      if (access.effectiveRole)
        throw new ConflictError('RUN_EXISTS', `Run ${body.runid} is already registered`);
      throw nameUnavailable(body.runid);
    }
    const before = await statOf(dir);
    if (before && !before.isDirectory())
      throw user!.isAdmin
        ? new ConflictError('RUN_PATH_NOT_DIRECTORY', `RUNS_ROOT/${body.runid} exists and is not a directory`)
        : nameUnavailable(body.runid);
    // Claiming someone's existing data makes the caller its owner: administrators only.
    if (before && !user!.isAdmin) throw nameUnavailable(body.runid);
    // A draining (or turned-off) host takes no new placements.
    const host = await deps.prisma.host.findUnique({
      where: { id: deps.config.hostId },
      select: { status: true },
    });
    if (host && (host.status === 'draining' || host.status === 'off'))
      throw new ConflictError(
        'HOST_DRAINING',
        `Host ${deps.config.hostId} is ${host.status}: new runs are not placed on it. An administrator can end draining with POST /api/hosts/${deps.config.hostId}/undrain`,
      );
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
        throw user!.isAdmin
          ? new ConflictError('RUN_EXISTS', `Run ${body.runid} is already registered`)
          : nameUnavailable(body.runid);
      throw err;
    }
    let outcome: 'created' | 'registered' = before ? 'registered' : 'created';
    try {
      await fs.mkdir(deps.config.runsRoot, { recursive: true });
      await fs.mkdir(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const now = code === 'EEXIST' ? await statOf(dir) : null;
      if (now?.isDirectory() && user!.isAdmin) {
        outcome = 'registered';
      } else {
        await deps.prisma.run.delete({ where: { id: run.id } }).catch(() => undefined);
        // Appeared meanwhile (a non-admin may not claim it), or something that is not a directory.
        if (code === 'EEXIST' || code === 'ENOTDIR')
          throw user!.isAdmin
            ? new ConflictError(
                'RUN_PATH_NOT_DIRECTORY',
                `RUNS_ROOT/${body.runid} exists and is not a directory`,
              )
            : nameUnavailable(body.runid);
        throw err;
      }
    }
    deps.logger.info({ runid: run.id, by: user!.id, outcome }, 'run registered');
    return { ...(await presentRun(deps, run, 'owner', user!.isAdmin)), outcome };
  },
});
