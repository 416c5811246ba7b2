import { defineRoute } from '../../http/route';

/** The scrub state of a repository row as the API and the admin banner show it. */
export function presentScrub(
  row: {
    lastScrubAt: Date | null;
    lastScrubOk: boolean | null;
    lastScrubSubset: string | null;
    lastScrubMessage: string | null;
    scrubNextSubset: number;
  } | null,
  periodDays: number,
) {
  return {
    last_scrub_at: row?.lastScrubAt?.toISOString() ?? null,
    /** null: never scrubbed; false: the last scrub found damage or could not read the repository */
    ok: row?.lastScrubOk ?? null,
    subset: row?.lastScrubSubset ?? null,
    message: row?.lastScrubMessage ?? null,
    next_subset: `${((Math.max(1, row?.scrubNextSubset ?? 1) - 1) % periodDays) + 1}/${periodDays}`,
    period_days: periodDays,
  };
}

export const listBackupRepos = defineRoute({
  method: 'get',
  path: '/api/backup-repos',
  summary:
    'Administrators: the backup regions (BACKUP_REGIONS) and their repositories, runs and backups in each, and the last scrub (a failed one raises the admin banner)',
  tags: ['backups'],
  access: { kind: 'admin' },
  async handler({ deps }) {
    const rows = await deps.prisma.backupRepo.findMany({
      include: { _count: { select: { runs: true, backups: true } } },
    });
    const period = deps.config.backup.scrubPeriodDays;
    const items = deps.config.backup.regions.map((r) => {
      const row = rows.find((x) => x.id === r.region) ?? null;
      return {
        id: r.region,
        region: r.region,
        default: r.region === deps.config.backup.defaultRegion,
        kind: r.location.startsWith('s3:') ? ('s3' as const) : ('local' as const),
        bucket: r.bucket ?? null,
        endpoint: r.endpoint ?? null,
        prefix: r.prefix ?? null,
        runs: row?._count.runs ?? 0,
        backups: row?._count.backups ?? 0,
        scrub: presentScrub(row, period),
      };
    });
    const failing = items.filter((i) => i.scrub.ok === false).map((i) => i.id);
    return {
      items,
      scrub_failures: failing,
      warning: failing.length
        ? `The last scrub of ${failing.join(', ')} failed: some backups may not be restorable`
        : null,
    };
  },
});
