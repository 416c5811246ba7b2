import fs from 'node:fs/promises';
import path from 'node:path';
import { BACKUP_ZIPS_DIR, backupScrub, ConflictError, enqueueOperation, findTool } from '@arkive/shared';
import type { AppDeps } from './deps';

const DAY_MS = 24 * 3600 * 1000;

/**
 * The daily scrub: every repository that holds backups gets one `backup-scrub` a day (the subset it
 * reads rotates, see the processor). A repository whose scrub was queued in the last day is left
 * alone, failed or not; a busy repository slot means the next tick tries again.
 */
export async function queueScheduledScrubs(deps: AppDeps, now = new Date()): Promise<{ queued: string[] }> {
  const queued: string[] = [];
  if (!findTool('restic')) return { queued };
  const repos = await deps.prisma.backupRepo.findMany({
    where: { backups: { some: {} } },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  for (const repo of repos) {
    const recent = await deps.prisma.operation.findFirst({
      where: {
        kind: backupScrub.kind,
        scopeId: repo.id,
        createdAt: { gt: new Date(now.getTime() - DAY_MS) },
      },
      select: { id: true },
    });
    if (recent) continue;
    try {
      await enqueueOperation(deps, backupScrub, { repoId: repo.id }, { createdBy: 'schedule' });
      queued.push(repo.id);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  return { queued };
}

/**
 * ZIPs made from backups expire after BACKUP_ZIP_TTL_HOURS: the file is deleted and the row marked
 * (`expired_at`). Files left without a row (their run was deleted) go once they are as old as the TTL.
 */
export async function expireBackupZips(deps: AppDeps, now = new Date()): Promise<{ expired: string[] }> {
  const dir = path.join(deps.config.dataDir, BACKUP_ZIPS_DIR);
  const due = await deps.prisma.backupZip.findMany({
    where: { expiresAt: { lte: now }, expiredAt: null },
    select: { id: true },
    take: 500,
  });
  for (const z of due) {
    await fs.rm(path.join(dir, `${z.id}.zip`), { force: true });
    await deps.prisma.backupZip.update({ where: { id: z.id }, data: { expiredAt: now } });
  }
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const ttlMs = deps.config.backup.zipTtlHours * 3600_000;
  for (const name of names) {
    const m = /^([0-9a-f-]{36})\.zip$/.exec(name);
    if (!m) continue;
    const st = await fs.stat(path.join(dir, name)).catch(() => null);
    if (!st || st.mtimeMs > now.getTime() - ttlMs) continue;
    const row = await deps.prisma.backupZip.findUnique({ where: { id: m[1] }, select: { id: true } });
    if (!row) await fs.rm(path.join(dir, name), { force: true });
  }
  return { expired: due.map((z) => z.id) };
}
