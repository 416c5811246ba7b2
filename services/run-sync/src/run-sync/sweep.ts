import fs from 'node:fs/promises';
import path from 'node:path';
import { PROVENANCE_FILE, type Config, type PrismaClient } from '@arkive/shared';

const STAGING = /^\.run-sync-([0-9a-f-]{36})$/;
const DOWNLOAD = /^([0-9a-f-]{36})\.zip\.part$/;

/**
 * Start-up clean-up of what imports whose worker died left behind: hidden staging folders in the
 * target roots of operations no longer queued or running, and downloads of operations that will
 * not resume (succeeded, cancelled, expired, or gone; a failed one keeps its file for a retry).
 */
export async function sweepRunSyncLeftovers(config: Config, prisma: PrismaClient): Promise<string[]> {
  const removed: string[] = [];
  const statusOf = async (id: string) =>
    (await prisma.operation.findUnique({ where: { id }, select: { status: true } }))?.status ?? null;
  for (const root of [config.runsRoot, ...config.runSync.extraRoots]) {
    for (const name of await fs.readdir(root).catch(() => [] as string[])) {
      const m = STAGING.exec(name);
      if (!m) continue;
      const status = await statusOf(m[1]);
      if (status === 'queued' || status === 'running') continue;
      await fs.rm(path.join(root, name), { recursive: true, force: true });
      removed.push(path.join(root, name));
    }
  }
  const downloads = path.join(config.storageRoot, 'run-sync');
  for (const name of await fs.readdir(downloads).catch(() => [] as string[])) {
    const m = DOWNLOAD.exec(name);
    if (!m) continue;
    const status = await statusOf(m[1]);
    if (status === 'queued' || status === 'running' || status === 'failed') continue;
    await fs.rm(path.join(downloads, name), { force: true });
    removed.push(path.join(downloads, name));
  }
  return removed;
}

/**
 * A run this operation moved into place but did not register (its worker died between the two):
 * recognised by its .provenance.json naming this operation, and removed so the retry starts clean.
 */
export async function removeUnregisteredPlacement(
  prisma: PrismaClient,
  dir: string,
  runid: string,
  operationId: string,
): Promise<boolean> {
  if (await prisma.run.findUnique({ where: { id: runid }, select: { id: true } })) return false;
  const raw = await fs.readFile(path.join(dir, PROVENANCE_FILE), 'utf8').catch(() => null);
  if (!raw) return false;
  const ours = (() => {
    try {
      return (JSON.parse(raw) as { operation_id?: unknown }).operation_id === operationId;
    } catch {
      return false;
    }
  })();
  if (ours) await fs.rm(dir, { recursive: true, force: true });
  return ours;
}
