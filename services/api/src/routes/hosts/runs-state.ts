import fs from 'node:fs/promises';
import { z } from 'zod';
import { isStale, refreshLastEdited, runPath, type Config, type PrismaClient } from '@arkive/shared';

export const hostRunSchema = z.object({
  runid: z.string(),
  last_backup_at: z.string().nullable(),
  last_edited_at: z.string().nullable(),
  /** The run changed after its last backup (or was never backed up): those changes exist only on the host. */
  stale: z.boolean(),
  /** Bytes of its newest backup, when it has one. */
  size_bytes: z.number().nullable(),
  backups: z.number().int(),
});
export type HostRun = z.infer<typeof hostRunSchema>;

/**
 * The runs placed on a host with their backup freshness, from the database (the last edit the
 * system recorded). `scan`: for the API's own host, first refresh each present run's last edit
 * with an mtime scan (other hosts' directories are not readable here).
 */
export async function hostRunsState(
  prisma: PrismaClient,
  config: Pick<Config, 'hostId' | 'runsRoot'>,
  hostId: string,
  opts: { scan?: boolean } = {},
): Promise<HostRun[]> {
  const ids = (
    await prisma.run.findMany({ where: { hostId }, select: { id: true }, orderBy: { id: 'asc' } })
  ).map((r) => r.id);
  if (opts.scan && hostId === config.hostId) {
    for (const id of ids) {
      const dir = runPath(config.runsRoot, id);
      if (
        await fs.stat(dir).then(
          (s) => s.isDirectory(),
          () => false,
        )
      )
        await refreshLastEdited(prisma, id, dir);
    }
  }
  const [runs, newest, counts] = await Promise.all([
    prisma.run.findMany({
      where: { id: { in: ids } },
      select: { id: true, lastBackupAt: true, lastEditedAt: true },
      orderBy: { id: 'asc' },
    }),
    prisma.backup.findMany({
      where: { runId: { in: ids } },
      distinct: ['runId'],
      orderBy: [{ runId: 'asc' }, { time: 'desc' }],
      select: { runId: true, bytes: true },
    }),
    prisma.backup.groupBy({ by: ['runId'], where: { runId: { in: ids } }, _count: { _all: true } }),
  ]);
  const size = new Map(newest.map((b) => [b.runId, Number(b.bytes)]));
  const count = new Map(counts.map((c) => [c.runId, c._count._all]));
  return runs.map((r) => ({
    runid: r.id,
    last_backup_at: r.lastBackupAt?.toISOString() ?? null,
    last_edited_at: r.lastEditedAt?.toISOString() ?? null,
    stale: isStale(r),
    size_bytes: size.get(r.id) ?? null,
    backups: count.get(r.id) ?? 0,
  }));
}
