import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import {
  assertRunUnlocked,
  BACKUP_HOST,
  listSnapshots,
  registerProcessor,
  resticRepoFor,
  ResticLockedError,
  runDelete,
  runPath,
  runRepoId,
  runRestic,
  runTag,
  treeStats,
  type ProcessorContext,
  type runDeletePayload,
  type runDeleteResult,
} from '@arkive/shared';

type Payload = z.infer<typeof runDeletePayload>;
type Result = z.infer<typeof runDeleteResult>;

/** How long a deletion waits before trying again while another operation holds a repository. */
export const DELETE_BUSY_RETRY_MS = 2000;

/** Where a run's directory is moved (one rename) before it is removed: never half a run under its name. */
export function deletingPath(runsRoot: string, runid: string, operationId: string): string {
  return path.join(runsRoot, `.${runid}.deleting-${operationId}`);
}

/**
 * Deletes a run: refuses while it is locked; forgets its restic snapshots in every repository that
 * holds some (the data goes at that repository's next prune); renames its directory out of the way
 * in one step and removes it (archives/ included); then removes its rows (archives, backups,
 * members, links). Every step can run again after a crash or retry.
 */
export async function processRunDelete(ctx: ProcessorContext<Payload>): Promise<Result> {
  const { runid } = ctx.payload;
  const runsRoot = ctx.config.runsRoot;
  const dir = runPath(runsRoot, runid);
  const moved = deletingPath(runsRoot, runid, ctx.operation.id);
  await ctx.report.setStage('deleting', `Deleting run ${runid}`, 0);
  const present = await fs.stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (present) await assertRunUnlocked(dir, runid, ctx.redis, ctx.config.redisPrefix);

  const rows = await ctx.prisma.backup.findMany({ where: { runId: runid }, select: { repoId: true } });
  const repoIds = new Set(rows.map((r) => r.repoId));
  if (await ctx.prisma.run.findUnique({ where: { id: runid } }))
    repoIds.add(await runRepoId(ctx.prisma, ctx.config, runid));
  let backupsForgotten = 0;
  for (const repoId of repoIds) {
    const repo = resticRepoFor(ctx.config, repoId);
    const snaps = await listSnapshots(repo, [runTag(runid)], ctx.signal).catch((err: unknown) => {
      // a repository never initialised holds nothing of this run
      if (rows.some((r) => r.repoId === repoId)) throw err;
      return [];
    });
    if (!snaps.length) continue;
    try {
      await runRestic(repo, ['forget', '--host', BACKUP_HOST, ...snaps.map((s) => s.id)], {
        signal: ctx.signal,
      });
    } catch (err) {
      if (err instanceof ResticLockedError)
        return ctx.postpone(
          DELETE_BUSY_RETRY_MS,
          'Waiting for the backup repository: another operation holds it',
        );
      throw err;
    }
    backupsForgotten += snaps.length;
    await ctx.report.status(`Forgot ${snaps.length} backups of ${runid} in repository ${repoId}`);
  }
  await ctx.report.progress({ stage: 'deleting', fraction: 0.3, message: 'Removing the run directory' });

  if (present) await fs.rename(dir, moved);
  const stats = await treeStats(moved).catch(() => ({ sizeBytes: 0, fileCount: 0 }));
  const archives = await fs
    .readdir(path.join(moved, 'archives'))
    .then((names) => names.filter((n) => n.endsWith('.zip')).length)
    .catch(() => 0);
  await fs.rm(moved, { recursive: true, force: true });
  await ctx.report.progress({ stage: 'deleting', fraction: 0.8, message: 'Removing the run records' });
  await ctx.prisma.run.deleteMany({ where: { id: runid } });
  await ctx.report.status(
    `Deleted run ${runid}: ${stats.fileCount} files (${archives} archives) removed, ${backupsForgotten} backups forgotten`,
  );
  return { files: stats.fileCount, bytes: stats.sizeBytes, archives, backupsForgotten };
}

export const runDeleteProcessor = registerProcessor(runDelete, processRunDelete);
