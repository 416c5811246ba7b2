import { WaitingChildrenError, DelayedError } from 'bullmq';
import type { z } from 'zod';
import {
  effectiveHostStatus,
  assertRunUnlocked,
  CancelledError,
  classifyError,
  errorCode,
  ensureRepoRow,
  ensureResticRepo,
  entryInside,
  errorMessage,
  PermanentError,
  registerProcessor,
  releaseCopySnapshot,
  requireRunDir,
  resticRepoFor,
  ResticLockedError,
  runCopy,
  runCopyApply,
  runRepoId,
  type ProcessorContext,
  type runCopyPayload,
  type runCopyResult,
} from '@arkive/shared';
import { reusableBackup, snapshotPaths } from './snapshot';

type Payload = z.infer<typeof runCopyPayload>;
type Result = z.infer<typeof runCopyResult>;

export const COPY_REPO_BUSY_RETRY_MS = 3000;

interface CopyCheckpoint {
  snapshotDone?: boolean;
  snapshotId?: string | null;
  snapshotReused?: boolean;
  /** The rows given a child, in child order (fixed on the first pass, so a re-run finds the same children). */
  applyIds?: string[];
}

/**
 * The copy's source half, on the source run's host: check the paths, make (or reuse) the source
 * snapshot when some destination is on another host, then one run-copy-apply child per pending
 * destination, each on its run's host; the status rolls up their outcomes. When every destination
 * is done, cancelled or expired, the snapshot is forgotten.
 */
export async function processRunCopy(ctx: ProcessorContext<Payload>): Promise<Result> {
  const opId = ctx.operation.id;
  const cp = ctx.checkpoint as CopyCheckpoint;

  if (!cp.snapshotDone) {
    try {
      await snapshotStage(ctx);
    } catch (err) {
      const final = classifyError(err) !== 'transient' || ctx.operation.attempt >= ctx.operation.maxAttempts;
      if (final && !(err instanceof DelayedError) && !(err instanceof CancelledError))
        // no destination can be applied: say why on each (a retry of the copy sets them pending again)
        await ctx.prisma.pendingCopy.updateMany({
          where: { operationId: opId, status: 'pending', applyOperationId: null },
          data: { status: 'failed', error: errorMessage(err), errorCode: errorCode(err) },
        });
      throw err;
    }
  }

  await ctx.enterStage('applying', 'Copying to the destinations');
  let applyIds = (ctx.checkpoint as CopyCheckpoint).applyIds;
  if (!applyIds) {
    const pending = await ctx.prisma.pendingCopy.findMany({
      where: { operationId: opId, status: 'pending' },
      orderBy: { id: 'asc' },
      select: { id: true },
    });
    applyIds = pending.map((r) => r.id);
    await ctx.saveCheckpoint({ applyIds });
  }
  const rows = await ctx.prisma.pendingCopy.findMany({ where: { id: { in: applyIds } } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  try {
    await ctx.runChildren(
      'apply',
      applyIds.map((id) => ({
        def: runCopyApply,
        payload: { runid: byId.get(id)!.destRunId, copyId: id },
        expiresAt: byId.get(id)!.expiresAt,
      })),
    );
  } catch (err) {
    if (err instanceof WaitingChildrenError || err instanceof DelayedError) await linkChildren(ctx);
    throw err;
  }
  await linkChildren(ctx);

  const all = await ctx.prisma.pendingCopy.groupBy({
    by: ['status'],
    where: { operationId: opId },
    _count: { _all: true },
  });
  const count = (s: string) => all.find((g) => g.status === s)?._count._all ?? 0;
  const total = all.reduce((n, g) => n + g._count._all, 0);
  const out: Result = {
    total,
    done: count('done'),
    failed: count('failed'),
    cancelled: count('cancelled'),
    expired: count('expired'),
    snapshotId: (ctx.checkpoint as CopyCheckpoint).snapshotId ?? null,
    snapshotReused: (ctx.checkpoint as CopyCheckpoint).snapshotReused ?? false,
  };
  try {
    if (await releaseCopySnapshot(ctx.prisma, ctx.config, opId, ctx.signal))
      await ctx.report.status(
        'Every destination is done, cancelled or expired: the copy snapshot is forgotten',
      );
  } catch (err) {
    await ctx.report.status(
      `Forgetting the copy snapshot failed (maintenance tries again): ${errorMessage(err)}`,
    );
  }
  const summary = `${out.done} of ${total} copied${out.failed ? `, ${out.failed} failed` : ''}${out.cancelled ? `, ${out.cancelled} cancelled` : ''}${out.expired ? `, ${out.expired} expired` : ''}`;
  if (out.failed > 0) {
    const first = await ctx.prisma.pendingCopy.findFirst({ where: { operationId: opId, status: 'failed' } });
    throw new PermanentError(
      // No run id here: every member of the source run reads the parent's error.
      `${summary}; first failure: ${first?.errorCode ?? 'unknown'}`,
      'COPY_FAILED',
      out,
    );
  }
  await ctx.report.status(summary);
  return out;
}

/** Checks the paths and makes (or reuses) the source snapshot when some destination is on another host. */
async function snapshotStage(ctx: ProcessorContext<Payload>): Promise<void> {
  const { runid, paths } = ctx.payload;
  const opId = ctx.operation.id;
  // a retry of the copy: destinations a failed attempt marked failed are pending again
  await ctx.prisma.pendingCopy.updateMany({
    where: { operationId: opId, status: 'failed', applyOperationId: null },
    data: { status: 'pending', error: null, errorCode: null },
  });
  const runDir = await requireRunDir(ctx.config.runsRoot, runid);
  for (const p of paths) {
    const where = await entryInside(runDir, p);
    if (where !== 'ok')
      throw new PermanentError(
        where === 'missing' ? `${p} does not exist in run ${runid}` : `${p} leads outside run ${runid}`,
        'PATH_NOT_FOUND',
        { path: p },
      );
  }
  const rows = await ctx.prisma.pendingCopy.findMany({ where: { operationId: opId, status: 'pending' } });
  const dests = await ctx.prisma.run.findMany({
    where: { id: { in: rows.map((r) => r.destRunId) } },
    select: { id: true, hostId: true },
  });
  const src = await ctx.prisma.run.findUniqueOrThrow({ where: { id: runid }, select: { hostId: true } });
  const remote = dests.filter((d) => d.hostId !== src.hostId).length;
  let snapshotId: string | null = null;
  let reused = false;
  if (remote > 0) {
    const repoId = await runRepoId(ctx.prisma, ctx.config, runid);
    const row = await ensureRepoRow(ctx.prisma, ctx.config, repoId);
    const repo = resticRepoFor(ctx.config, row.region);
    await ensureResticRepo(repo, ctx.signal);
    // The run's retention knows nothing of copies: a backup is reused only when every destination
    // applies now; one that waits for its host (up to 7 days) gets the copy's own snapshot.
    const destHosts = [...new Set(dests.filter((d) => d.hostId !== src.hostId).map((d) => d.hostId))];
    const hosts = await ctx.prisma.host.findMany({
      where: { id: { in: destHosts.filter((h) => h !== null) } },
    });
    const allOnline =
      hosts.length === destHosts.length &&
      hosts.every((h) => effectiveHostStatus(h, ctx.config) === 'online');
    const fresh = allOnline ? await reusableBackup(ctx.prisma, repo, runid, runDir, paths, ctx.signal) : null;
    if (fresh) {
      snapshotId = fresh.snapshotId;
      reused = true;
      await ctx.report.status(
        `Reusing the run's last backup ${fresh.snapshotId.slice(0, 8)}: it is newer than the last edit and holds the paths`,
      );
    } else {
      await assertRunUnlocked(runDir, runid, ctx.redis, ctx.config.redisPrefix);
      await ctx.report.status(`Snapshotting ${paths.join(', ')} for ${remote} destinations on other hosts`);
      try {
        const snap = await snapshotPaths(repo, runDir, {
          runid,
          operationId: opId,
          paths,
          signal: ctx.signal,
        });
        snapshotId = snap.snapshotId;
        await ctx.report.status(
          `Copy snapshot ${snap.snapshotId.slice(0, 8)}: ${snap.files} files, ${snap.bytes} bytes`,
        );
      } catch (err) {
        if (err instanceof ResticLockedError)
          return ctx.postpone(
            COPY_REPO_BUSY_RETRY_MS,
            'Waiting for the repository: an exclusive operation holds it',
          );
        throw err;
      }
    }
    await ctx.prisma.pendingCopy.updateMany({
      where: { operationId: opId },
      data: { snapshotId, repoId, snapshotOwned: !reused },
    });
  } else {
    await ctx.report.status('Every destination is on this host: plain copies, no snapshot');
  }
  await ctx.saveCheckpoint({ snapshotDone: true, snapshotId, snapshotReused: reused });
}

/** Records each row's apply operation (the cancel route and the listing use it). */
async function linkChildren(ctx: ProcessorContext<Payload>) {
  const kids = await ctx.prisma.operation.findMany({
    where: { parentId: ctx.operation.id, kind: runCopyApply.kind },
    select: { id: true, input: true },
  });
  for (const k of kids) {
    const copyId = (k.input as { copyId?: string }).copyId;
    if (copyId)
      await ctx.prisma.pendingCopy.updateMany({
        where: { id: copyId, applyOperationId: null },
        data: { applyOperationId: k.id },
      });
  }
}

export const runCopyProcessor = registerProcessor(runCopy, processRunCopy);
