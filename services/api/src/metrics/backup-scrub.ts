import { Gauge, type Registry } from 'prom-client';
import type { AppDeps } from '../deps';

/**
 * Scrub state per backup repository, read from backup_repos at scrape time:
 * `arkive_backup_scrub_failed{repo}` is 1 while the last scrub failed (alert on it) and
 * `arkive_backup_scrub_last_timestamp_seconds{repo}` when it last ran.
 */
export function registerBackupScrubMetrics(registry: Registry, deps: AppDeps): void {
  const rows = () =>
    deps.prisma.backupRepo.findMany({ select: { id: true, lastScrubAt: true, lastScrubOk: true } });
  new Gauge({
    name: 'arkive_backup_scrub_failed',
    help: 'Whether the last scrub (restic check --read-data-subset) of a backup repository failed (1) or passed (0)',
    labelNames: ['repo'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await rows())
        if (r.lastScrubOk !== null) this.set({ repo: r.id }, r.lastScrubOk ? 0 : 1);
    },
  });
  new Gauge({
    name: 'arkive_backup_scrub_last_timestamp_seconds',
    help: 'When the last scrub of a backup repository ran (Unix seconds)',
    labelNames: ['repo'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await rows())
        if (r.lastScrubAt) this.set({ repo: r.id }, Math.floor(r.lastScrubAt.getTime() / 1000));
    },
  });
}
