import { z } from 'zod';
import {
  AppError,
  checkCopyPath,
  checkDistinctNames,
  COPY_TTL_MS,
  enqueueOperation,
  entryInside,
  MAX_COPY_DESTS,
  MAX_COPY_PATHS,
  NotFoundError,
  runCopy,
  runExists,
  runPath,
} from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { rolesOn, requireRole } from './access';
import { copySummarySchema } from './schemas';

const body = z
  .object({
    src: z.object({ runid: z.string().max(200), paths: z.array(z.string()).max(10_000) }).strict(),
    dests: z.array(z.object({ runid: z.string().max(200), path: z.string() }).strict()).max(10_000),
    options: z
      .object({ errorOnExist: z.boolean().optional(), force: z.boolean().optional() })
      .strict()
      .optional(),
  })
  .strict();

const isUnder = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);

/** Copy paths of one run into a folder of each of many runs (issue 14, Phase 3). */
export const createCopy = defineRoute({
  method: 'post',
  path: '/api/copy',
  summary: `Copy paths of a run into a folder of each of many runs (202; collaborator on the source and every destination; ≤ ${MAX_COPY_DESTS} destinations, ≤ ${MAX_COPY_PATHS} paths). Each path lands at <dest.path>/<its last segment>; an existing target fails that copy (DESTINATION_EXISTS) unless options.force replaces it. Destinations on an offline host are applied when it starts (within 7 days)`,
  tags: ['copies'],
  access: { kind: 'user' },
  body,
  response: z.object({ operationId: z.string(), channel: z.string(), copies: z.array(copySummarySchema) }),
  status: 202,
  async handler({ deps, body: b, user }) {
    const opts = { errorOnExist: b.options?.errorOnExist ?? false, force: b.options?.force ?? false };
    if (opts.errorOnExist && opts.force)
      throw new AppError('INVALID_OPTIONS', 'errorOnExist and force contradict each other: choose one', 400);
    if (b.src.paths.length === 0) throw new AppError('NO_PATHS', 'src.paths lists no path to copy', 400);
    if (b.src.paths.length > MAX_COPY_PATHS)
      throw new AppError('TOO_MANY_PATHS', `At most ${MAX_COPY_PATHS} paths per copy`, 400);
    if (b.dests.length === 0) throw new AppError('NO_DESTINATIONS', 'dests lists no destination', 400);
    if (b.dests.length > MAX_COPY_DESTS)
      throw new AppError('TOO_MANY_DESTINATIONS', `At most ${MAX_COPY_DESTS} destinations per copy`, 400);
    const paths = b.src.paths.map((p) => checkCopyPath(p, 'Source path'));
    checkDistinctNames(paths);
    const dests = b.dests.map((d) => ({ runid: d.runid, path: checkCopyPath(d.path, 'Destination path') }));
    const seenDest = new Set<string>();
    for (const d of dests) {
      const key = `${d.runid}\0${d.path}`;
      if (seenDest.has(key))
        throw new AppError('DUPLICATE_DESTINATION', `${d.runid}:${d.path} is listed twice`, 400);
      seenDest.add(key);
      if (d.runid === b.src.runid && paths.some((p) => isUnder(d.path, p)))
        throw new AppError('COPY_INTO_ITSELF', `${d.path} is inside a path being copied`, 400);
    }

    // Visibility first: a run the caller cannot see answers exactly like one that does not exist.
    const roles = await rolesOn(deps.prisma, user!, [b.src.runid, ...dests.map((d) => d.runid)]);
    const src = requireRole(roles, b.src.runid, 'collaborator');
    for (const d of dests) requireRole(roles, d.runid, 'collaborator');

    // The source's paths are checked here when this host holds it; otherwise by its host's worker.
    if (src.hostId === deps.config.hostId && (await runExists(deps.config.runsRoot, b.src.runid))) {
      const dir = runPath(deps.config.runsRoot, b.src.runid);
      for (const p of paths) {
        const where = await entryInside(dir, p);
        if (where === 'missing')
          throw new NotFoundError('PATH_NOT_FOUND', `${p} does not exist in run ${b.src.runid}`);
        if (where === 'outside')
          throw new AppError(
            'INVALID_PATH',
            `${p} leads outside run ${b.src.runid} (a symlinked folder)`,
            400,
          );
      }
    }

    const expiresAt = new Date(Date.now() + COPY_TTL_MS);
    let copies: z.infer<typeof copySummarySchema>[] = [];
    const { operationId, channel } = await enqueueOperation(
      deps,
      runCopy,
      { runid: b.src.runid, paths },
      {
        createdBy: user?.username,
        expiresAt,
        enqueuedMessage: `Queued a copy of ${paths.length} paths to ${dests.length} runs`,
        async beforeQueue(op) {
          const rows = await deps.prisma.pendingCopy.createManyAndReturn({
            data: dests.map((d) => ({
              operationId: op.id,
              srcRunId: b.src.runid,
              paths,
              destRunId: d.runid,
              destPath: d.path,
              errorOnExist: opts.errorOnExist,
              force: opts.force,
              createdBy: user?.username,
              expiresAt,
            })),
          });
          copies = rows.map((r) => ({ id: r.id, runid: r.destRunId, path: r.destPath, status: r.status }));
        },
      },
    );
    deps.logger.info({ by: user?.id, runid: b.src.runid, operationId, dests: dests.length }, 'copy queued');
    return { operationId, channel, copies };
  },
});
