import fs from 'node:fs/promises';
import path from 'node:path';
import type { PrismaClient } from '../db';
import { ARCHIVES_DIR } from '../runs';

/** The newest mtime of anything in the run except archives/ (folders too: an entry added or removed). */
export async function scanLastEdited(runDir: string, signal?: AbortSignal): Promise<Date | null> {
  let newest = -1;
  async function walk(dir: string, top: boolean) {
    signal?.throwIfAborted();
    const st = await fs.lstat(dir).catch(() => null);
    if (!st) return;
    newest = Math.max(newest, st.mtimeMs);
    if (!st.isDirectory()) return;
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      if (top && name === ARCHIVES_DIR) continue;
      await walk(path.join(dir, name), false);
    }
  }
  await walk(runDir, true);
  return newest < 0 ? null : new Date(Math.floor(newest));
}

/** Records that the run changed at `at` (never moves lastEditedAt back). */
export async function markRunEdited(
  prisma: PrismaClient,
  runid: string,
  at: Date = new Date(),
): Promise<void> {
  await prisma.run.updateMany({
    where: { id: runid, OR: [{ lastEditedAt: null }, { lastEditedAt: { lt: at } }] },
    data: { lastEditedAt: at },
  });
}

/** A cheap mtime scan of the run, recorded as its last edit when newer. */
export async function refreshLastEdited(
  prisma: PrismaClient,
  runid: string,
  runDir: string,
): Promise<Date | null> {
  const at = await scanLastEdited(runDir);
  if (at) await markRunEdited(prisma, runid, at);
  const run = await prisma.run.findUnique({ where: { id: runid }, select: { lastEditedAt: true } });
  return run?.lastEditedAt ?? null;
}

/** Changes since the last backup would be lost: the run was edited after it (or never backed up). */
export function isStale(run: { lastBackupAt: Date | null; lastEditedAt: Date | null }): boolean {
  if (!run.lastBackupAt) return true;
  return Boolean(run.lastEditedAt && run.lastEditedAt > run.lastBackupAt);
}
