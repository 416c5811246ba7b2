import type { RetentionPolicy } from '@arkive/shared/contracts';
import type { AppDeps } from '../deps';

const DAY_MS = 86_400_000;
const days = (n: number) => (n === 1 ? '1 day' : `${n} days`);

/** The policy a run follows: its own values where set, the deployment defaults (RETENTION_*) elsewhere. */
export async function effectiveRetention(
  deps: AppDeps,
  runid: string,
): Promise<{ policy: RetentionPolicy; overrides: Partial<RetentionPolicy>; defaults: RetentionPolicy }> {
  const row = await deps.prisma.runRetention.findUnique({ where: { runId: runid } });
  const defaults = { ...deps.config.retention };
  const overrides: Partial<RetentionPolicy> = {};
  if (row?.keepLast != null) overrides.keepLast = row.keepLast;
  if (row?.keepDays != null) overrides.keepDays = row.keepDays;
  if (row?.preRestoreDays != null) overrides.preRestoreDays = row.preRestoreDays;
  return { policy: { ...defaults, ...overrides }, overrides, defaults };
}

export interface RetentionCandidate {
  name: string;
  kind: string;
  createdAt: string;
  size: number;
}

export interface Expired extends RetentionCandidate {
  /** The rule that let it go, for the deletion log. */
  rule: string;
}

/** Words for a policy: "keep the last 3 snapshots or those newer than 14 days; pre-restore snapshots 30 days". */
export function describePolicy(p: RetentionPolicy): string {
  const lastN = p.keepLast === 1 ? 'the last snapshot' : `the last ${p.keepLast} snapshots`;
  const snap =
    p.keepLast > 0 && p.keepDays > 0
      ? `keep ${lastN} and those newer than ${days(p.keepDays)}`
      : p.keepLast > 0
        ? `keep ${lastN}`
        : p.keepDays > 0
          ? `keep snapshots newer than ${days(p.keepDays)}`
          : 'keep every snapshot';
  const pre =
    p.preRestoreDays > 0
      ? `pre-restore snapshots expire after ${days(p.preRestoreDays)}`
      : 'pre-restore snapshots are kept';
  return `${snap}; ${pre}`;
}

/**
 * The archives a policy lets go. Snapshots: kept when among the newest `keepLast` or newer than
 * `keepDays` days (either limit 0 = not used; both 0 = all kept); the newest snapshot is always
 * kept. Pre-restore snapshots: gone after `preRestoreDays` days. Other kinds (pre-migration…) stay.
 */
export function selectExpired(items: RetentionCandidate[], p: RetentionPolicy, now = Date.now()): Expired[] {
  const out: Expired[] = [];
  const age = (a: RetentionCandidate) => now - new Date(a.createdAt).getTime();
  const snapshots = items
    .filter((a) => a.kind === 'snapshot')
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.name.localeCompare(a.name));
  if (p.keepLast > 0 || p.keepDays > 0) {
    snapshots.forEach((a, i) => {
      if (i === 0) return;
      const byCount = p.keepLast > 0 && i < p.keepLast;
      const byAge = p.keepDays > 0 && age(a) < p.keepDays * DAY_MS;
      if (!byCount && !byAge)
        out.push({ ...a, rule: describePolicy({ ...p, preRestoreDays: 0 }).split(';')[0] });
    });
  }
  if (p.preRestoreDays > 0) {
    for (const a of items)
      if (a.kind === 'pre-restore' && age(a) >= p.preRestoreDays * DAY_MS)
        out.push({ ...a, rule: `pre-restore snapshots expire after ${days(p.preRestoreDays)}` });
  }
  return out;
}
