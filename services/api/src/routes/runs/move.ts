import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  ARCHIVES_DIR,
  assertMovePossible,
  ConflictError,
  enqueueOperation,
  requireTool,
  runLockStatus,
  runMove,
  runPath,
  treeStats,
} from '@arkive/shared';
import { acceptedSchema } from '@arkive/shared/contracts';
import type { AppDeps } from '../../deps';
import { defineRoute } from '../../http/route';

/**
 * Bytes the destination must hold. The API reads its own RUNS_ROOT only: for a run on this host
 * the directory itself, otherwise the newest backup (plus the local snapshots' records when they
 * go too). The source host measures again before anything moves.
 */
async function bytesNeeded(deps: AppDeps, runid: string, hostId: string, includeArchives: boolean) {
  const dir = runPath(deps.config.runsRoot, runid);
  if (hostId === deps.config.hostId && (await fs.stat(dir).catch(() => null))?.isDirectory()) {
    const all = await treeStats(dir);
    if (includeArchives) return all.sizeBytes;
    const archives = await treeStats(path.join(dir, ARCHIVES_DIR)).catch(() => ({ sizeBytes: 0 }));
    return all.sizeBytes - archives.sizeBytes;
  }
  const newest = await deps.prisma.backup.findFirst({ where: { runId: runid }, orderBy: { time: 'desc' } });
  const archives = includeArchives
    ? await deps.prisma.archive.aggregate({
        where: { runId: runid, localPath: { not: null } },
        _sum: { size: true },
      })
    : null;
  if (!newest) return null;
  return Number(newest.bytes) + Number(archives?._sum.size ?? 0);
}

export const moveRun = defineRoute({
  method: 'post',
  path: '/api/runs/:runid/move',
  summary:
    "Move the run to another host of its backup region through its backups (202 {operationId, channel}; owner or admin). Backs up first when the last backup is older than the last edit; archives/ (local snapshots) go only with includeArchives, otherwise they are removed with the source copy. 404 HOST_NOT_FOUND; 409 SAME_HOST, HOST_OFF, HOST_DRAINING, REGION_MISMATCH, INSUFFICIENT_SPACE, RUN_LOCKED, OPERATION_ACTIVE. An offline destination's part waits until it starts",
  tags: ['runs', 'hosts'],
  access: { kind: 'run', role: 'owner' },
  params: z.object({ runid: z.string() }),
  body: z
    .object({
      destHostId: z.string().min(1).max(64),
      includeArchives: z.boolean().optional(),
    })
    .strict(),
  response: acceptedSchema,
  status: 202,
  async handler({ deps, params: p, body, user }) {
    const runid = p.runid;
    const includeArchives = body.includeArchives ?? false;
    const run = await deps.prisma.run.findUniqueOrThrow({ where: { id: runid }, select: { hostId: true } });
    const { sourceHostId } = await assertMovePossible(deps.prisma, deps.config, {
      runid,
      destHostId: body.destHostId,
      bytesNeeded: await bytesNeeded(deps, runid, run.hostId, includeArchives),
    });
    const lock = await runLockStatus(
      runPath(deps.config.runsRoot, runid),
      deps.redis,
      deps.config.redisPrefix,
      runid,
    );
    if (lock.locked)
      throw new ConflictError(
        'RUN_LOCKED',
        `Run ${runid} is locked (${[...lock.lockFiles, ...lock.redisLocks].join(', ')}); try again when it is released`,
        { lockFiles: lock.lockFiles, redisLocks: lock.redisLocks },
      );
    requireTool('restic');
    const { operation, operationId, channel } = await enqueueOperation(
      deps,
      runMove,
      { runid, sourceHostId, destHostId: body.destHostId, includeArchives },
      { createdBy: user?.username },
    );
    deps.logger.info(
      { by: user?.id, runid, from: sourceHostId, to: body.destHostId, operationId },
      'run move queued',
    );
    return { operationId, channel, status: operation.status };
  },
});
