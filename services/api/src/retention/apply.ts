import { ACTIVE_STATUSES, listArchives, runExists, runPath } from '@arkive/shared';
import type { AppDeps } from '../deps';
import { effectiveRetention, selectExpired, type Expired } from './policy';
import { removeArchive } from './remove';

export interface RetentionOutcome {
  runid: string;
  deleted: Expired[];
  /** Why nothing was looked at (an active operation, a missing directory). */
  skipped?: string;
}

/** Applies a run's retention policy now: deletes the archives it lets go, each logged. */
export async function applyRunRetention(
  deps: AppDeps,
  runid: string,
  now = Date.now(),
): Promise<RetentionOutcome> {
  if (!(await runExists(deps.config.runsRoot, runid)))
    return { runid, deleted: [], skipped: 'the run directory is missing' };
  const active = await deps.prisma.operation.findFirst({
    where: { exclusiveKey: `run:${runid}`, status: { in: [...ACTIVE_STATUSES] } },
    select: { id: true },
  });
  if (active) return { runid, deleted: [], skipped: 'an archive or restore operation is active' };
  const runDir = runPath(deps.config.runsRoot, runid);
  const [files, rows, { policy }] = await Promise.all([
    listArchives(runDir),
    deps.prisma.archive.findMany({
      where: { runId: runid },
      select: { name: true, kind: true, createdAt: true },
    }),
    effectiveRetention(deps, runid),
  ]);
  const byName = new Map(rows.map((r) => [r.name, r]));
  const candidates = files.map((f) => {
    const row = byName.get(f.name);
    return {
      name: f.name,
      kind: row?.kind ?? f.kind,
      createdAt: row ? row.createdAt.toISOString() : f.createdAt,
      size: f.size,
    };
  });
  const deleted: Expired[] = [];
  for (const a of selectExpired(candidates, policy, now)) {
    const ok = await removeArchive(deps, {
      runid,
      runDir,
      name: a.name,
      kind: a.kind,
      size: a.size,
      reason: 'retention',
      detail: a.rule,
    });
    if (ok) deleted.push(a);
  }
  return { runid, deleted };
}

/** The maintenance duty: every registered run, one at a time; one run's failure does not stop the others. */
export async function applyRetentionEverywhere(deps: AppDeps): Promise<{ runs: number; deleted: number }> {
  const runs = await deps.prisma.run.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
  let deleted = 0;
  for (const { id } of runs) {
    try {
      deleted += (await applyRunRetention(deps, id)).deleted.length;
    } catch (err) {
      deps.logger.warn({ err, runid: id }, 'retention failed for a run');
    }
  }
  return { runs: runs.length, deleted };
}
