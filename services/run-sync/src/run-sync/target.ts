import fs from 'node:fs/promises';
import path from 'node:path';
import { PermanentError, assertRunUnlocked, type PrismaClient, type ProcessorContext } from '@arkive/shared';

/** The worker's own check of the API's rules (the world may have changed since the request). */
export async function guardTarget(
  deps: Pick<ProcessorContext<unknown>, 'config' | 'prisma' | 'redis'>,
  p: { runid: string; targetRoot: string; overwrite: boolean },
): Promise<{ dir: string; dirExists: boolean }> {
  const allowed = [deps.config.runsRoot, ...deps.config.runSync.extraRoots];
  if (!allowed.includes(path.resolve(p.targetRoot)))
    throw new PermanentError(
      `Target root ${p.targetRoot} is neither RUNS_ROOT nor one of RUN_SYNC_EXTRA_ROOTS`,
      'TARGET_ROOT_NOT_ALLOWED',
    );
  const dir = path.join(path.resolve(p.targetRoot), p.runid);
  const st = await fs.lstat(dir).catch(() => null);
  const row = await deps.prisma.run.findUnique({ where: { id: p.runid }, select: { id: true } });
  if (!st && !row) return { dir, dirExists: false };
  if (st && !st.isDirectory())
    throw new PermanentError(`${dir} exists and is not a directory`, 'RUN_PATH_NOT_DIRECTORY');
  if (!p.overwrite)
    throw new PermanentError(
      `Run ${p.runid} already exists here; import it with overwrite to replace it`,
      'RUN_EXISTS',
    );
  if (st) await assertRunUnlocked(dir, p.runid, deps.redis, deps.config.redisPrefix);
  return { dir, dirExists: Boolean(st) };
}

/** The importing run's owner: the user named by owner_email if there is one, else the importing admin. */
export async function resolveOwner(
  prisma: PrismaClient,
  ownerEmail: string | undefined,
  createdBy: string | null,
) {
  if (ownerEmail) {
    const u = await prisma.user.findFirst({
      where: { username: { equals: ownerEmail, mode: 'insensitive' } },
    });
    if (u) return u;
  }
  return createdBy ? prisma.user.findUnique({ where: { username: createdBy } }) : null;
}

/** Moves a file, copying when it crosses file systems (STORAGE_ROOT → a run on another disk). */
export async function moveFile(from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await fs.copyFile(from, to);
    await fs.rm(from, { force: true });
  }
}
