import fs from 'node:fs/promises';
import type { z } from 'zod';
import {
  ConflictError,
  contractState,
  hostTurnOff,
  isStale,
  PermanentError,
  refreshLastEdited,
  registerProcessor,
  runBackup,
  runBackupResult,
  runPath,
  type HostTurnOffResult,
  type hostTurnOffPayload,
  type ProcessorContext,
} from '@arkive/shared';

type Payload = z.infer<typeof hostTurnOffPayload>;

/**
 * Which runs on the host need a backup, decided once per generation: a worker that dies keeps the
 * list (so its children match), a user's retry starts over and decides again.
 */
interface Plan {
  backup: string[];
  fresh: string[];
  missing: string[];
}

/** How long the turn-off waits before looking again while other work holds one of its runs. */
export const RUN_BUSY_RETRY_MS = 2000;

async function makePlan(ctx: ProcessorContext<Payload>): Promise<Plan> {
  const runs = await ctx.prisma.run.findMany({
    where: { hostId: ctx.payload.hostId },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  const plan: Plan = { backup: [], fresh: [], missing: [] };
  for (const { id } of runs) {
    ctx.throwIfStopped();
    const dir = runPath(ctx.config.runsRoot, id);
    const present = await fs.stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!present) {
      plan.missing.push(id);
      continue;
    }
    await refreshLastEdited(ctx.prisma, id, dir);
    const run = await ctx.prisma.run.findUniqueOrThrow({
      where: { id },
      select: { lastBackupAt: true, lastEditedAt: true },
    });
    (isStale(run) ? plan.backup : plan.fresh).push(id);
  }
  return plan;
}

/**
 * Turns a host off: sets it draining (no new placements), backs up every run on it whose last
 * backup is older than its last edit (child run-backup operations, two at a time on this host's
 * backup queue; progress is runs done of total), and only when every one succeeded marks the host
 * `off`. Any failed backup fails the turn-off naming the runs; the host stays draining.
 */
export async function processHostTurnOff(ctx: ProcessorContext<Payload>): Promise<HostTurnOffResult> {
  const { hostId } = ctx.payload;
  if (ctx.config.hostId !== hostId)
    throw new PermanentError(`This turn-off of ${hostId} reached host ${ctx.config.hostId}`, 'WRONG_HOST');
  const host = await ctx.prisma.host.findUnique({ where: { id: hostId } });
  if (!host) throw new PermanentError(`No host ${hostId}`, 'HOST_NOT_FOUND');
  if (host.status === 'off') throw new PermanentError(`Host ${hostId} is already off`, 'HOST_OFF');
  // Never over a force-off that landed meanwhile.
  const drained = await ctx.prisma.host.updateMany({
    where: { id: hostId, status: { not: 'off' } },
    data: { status: 'draining' },
  });
  if (!drained.count) throw new PermanentError(`Host ${hostId} was turned off meanwhile`, 'HOST_OFF');

  let plan = ctx.checkpoint.plan as Plan | undefined;
  if (!plan) {
    await ctx.report.status(
      `Host ${hostId} is draining; checking which of its runs changed since their last backup`,
    );
    plan = await makePlan(ctx);
    await ctx.saveCheckpoint({ plan });
    await ctx.report.status(
      `${plan.backup.length + plan.fresh.length + plan.missing.length} runs on ${hostId}: ` +
        `${plan.backup.length} to back up, ${plan.fresh.length} already backed up since their last edit` +
        (plan.missing.length ? `, ${plan.missing.length} without a directory here` : ''),
    );
  }
  let round = (ctx.checkpoint.round as number | undefined) ?? 0;
  let results: z.infer<typeof runBackupResult>[];
  for (;;) {
    ctx.throwIfStopped();
    const current: Plan = plan;

    // Other work on a run (a user's backup, a restore) holds it: wait for it instead of failing.
    const busy = await ctx.prisma.operation.findMany({
      where: {
        exclusiveKey: { in: current.backup.map((r) => `run:${r}`) },
        status: { in: ['queued', 'running'] },
        OR: [{ parentId: null }, { parentId: { not: ctx.operation.id } }],
      },
      select: { scopeId: true },
    });
    const waitBusy = (ids: string[]) =>
      ctx.postpone(RUN_BUSY_RETRY_MS, `Waiting for other work on ${ids.join(', ')} to finish`);
    if (busy.length) return waitBusy(busy.map((b) => b.scopeId));

    let outcomes;
    try {
      // One set of children per generation (a retry's plan is new; succeeded backups are not redone
      // because those runs are fresh now).
      outcomes = await ctx.runChildren(
        `backups-g${contractState(ctx.operation).generation ?? 0}${round ? `-r${round}` : ''}`,
        current.backup.map((runid) => ({ def: runBackup, payload: { runid, purpose: 'turn-off' as const } })),
      );
    } catch (err) {
      if (err instanceof ConflictError && err.code === 'OPERATION_ACTIVE') return waitBusy(['a run']);
      throw err;
    }
    const failed = outcomes
      .map((o, i) => ({ o, runid: current.backup[i] }))
      .filter(({ o }) => o.status !== 'succeeded');
    if (failed.length) {
      const list = failed.map(({ o, runid }) => `${runid} (${o.error ?? o.status})`).join('; ');
      throw new PermanentError(
        `${failed.length} of ${current.backup.length} backups failed: ${list}. Host ${hostId} stays draining; retry when fixed, or force it off`,
        'BACKUPS_FAILED',
        { failedRuns: failed.map((f) => f.runid) },
      );
    }
    results = outcomes.map((o) => runBackupResult.parse(o.result));
    // Runs edited while the backups ran (draining refuses new runs, not edits): back those up too
    // before the host goes off, a few rounds at most.
    const again = await makePlan(ctx);
    if (!again.backup.length) break;
    if (round >= 3)
      throw new PermanentError(
        `Runs ${again.backup.join(', ')} on ${hostId} keep changing while it is turned off: stop what writes to them, then retry`,
        'RUNS_STILL_CHANGING',
        { runs: again.backup },
      );
    round++;
    plan = again;
    await ctx.saveCheckpoint({ plan, round });
    await ctx.report.status(`Changed since their backup: ${again.backup.join(', ')}; backing them up again`);
  }

  await ctx.enterStage('turning-off', `Every run on ${hostId} is backed up; marking the host off`);
  await ctx.prisma.host.update({ where: { id: hostId }, data: { status: 'off' } });
  const bytes = results.reduce((n, r) => n + r.bytes, 0);
  await ctx.report.status(
    `Host ${hostId} is off: ${results.length} runs backed up (${bytes} bytes), ${plan.fresh.length} were already`,
  );
  return {
    hostId,
    backedUp: results.length,
    bytes,
    runs: [
      ...plan.backup.map((runid, i) => ({
        runid,
        outcome: 'backed-up' as const,
        backupId: results[i].backupId,
        bytes: results[i].bytes,
      })),
      ...plan.fresh.map((runid) => ({ runid, outcome: 'fresh' as const, backupId: null, bytes: null })),
      ...plan.missing.map((runid) => ({ runid, outcome: 'missing' as const, backupId: null, bytes: null })),
    ],
  };
}

export const hostTurnOffProcessor = registerProcessor(hostTurnOff, processHostTurnOff);
