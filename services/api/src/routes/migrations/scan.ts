import { z } from 'zod';
import { migrationScanSchema } from '@arkive/shared/contracts';
import { scanRuns, type ScannedRun } from '@arkive/shared/migration';
import type { AppDeps } from '../../deps';
import { defineRoute } from '../../http/route';

/** One fleet scan per RUNS_ROOT at a time, served from memory for MIGRATION_SCAN_CACHE_SECONDS. */
const cache = new Map<string, { at: number; runs: Promise<ScannedRun[]> }>();

async function cachedScan(deps: AppDeps, refresh: boolean) {
  const root = deps.config.runsRoot;
  const ttl = deps.config.migration.scanCacheSeconds * 1000;
  const hit = cache.get(root);
  if (hit && !refresh && Date.now() - hit.at < ttl) return { ...hit, cached: true };
  const entry = {
    at: Date.now(),
    runs: scanRuns(root, { currentVersion: deps.config.migration.currentVersion }).catch((err: unknown) => {
      cache.delete(root);
      throw err;
    }),
  };
  cache.set(root, entry);
  return { ...entry, cached: false };
}

export const scanMigrations = defineRoute({
  method: 'get',
  path: '/api/migrations/scan',
  summary:
    'Fleet scan: version and detected traits of every run under RUNS_ROOT (cached; ?refresh=true rescans)',
  tags: ['migrations'],
  access: { kind: 'admin' },
  query: z.object({ refresh: z.enum(['true', 'false', '1', '0']).optional() }),
  response: migrationScanSchema,
  async handler({ deps, query }) {
    const scan = await cachedScan(deps, query.refresh === 'true' || query.refresh === '1');
    const runs = await scan.runs;
    const rows = await deps.prisma.runMigration.findMany({
      where: { runid: { in: runs.map((r) => r.runid) } },
      select: { runid: true, lastStatus: true, isFixture: true },
    });
    const byId = new Map(rows.map((r) => [r.runid, r]));
    return {
      scannedAt: new Date(scan.at).toISOString(),
      cached: scan.cached,
      current_version: deps.config.migration.currentVersion,
      runs: runs.map((r) => ({
        ...r,
        last_status: byId.get(r.runid)?.lastStatus ?? null,
        is_fixture: byId.get(r.runid)?.isFixture ?? false,
      })),
    };
  },
});
