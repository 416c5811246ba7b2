import { z } from 'zod';
import {
  AppError,
  assertRunUnlocked,
  enqueueOperation,
  listTree,
  normalizePaths,
  planRestoreFromTree,
  runBackupRestore,
  runExists,
  runPath,
  runRelativePath,
} from '@arkive/shared';
import { defineRoute } from '../../../http/route';
import { backupParams, requireBackup, requireRestic } from './common';

const body = z
  .object({
    paths: z.array(z.unknown()).max(1000).optional(),
    dryRun: z.boolean().optional(),
    dry_run: z.boolean().optional(),
    preRestoreSnapshot: z.boolean().optional(),
  })
  .optional();

function parsePaths(raw: unknown[] | undefined): string[] | undefined {
  if (!raw?.length) return undefined;
  return normalizePaths(
    raw.map((p) => {
      const s = typeof p === 'string' ? p.replace(/^\/+|\/+$/g, '') : p;
      if (!runRelativePath.safeParse(s).success)
        throw new AppError(
          'INVALID_PATH',
          `Invalid path ${JSON.stringify(p)}: a file or folder inside the run`,
          400,
        );
      return s as string;
    }),
  );
}

export const restoreRunBackup = defineRoute({
  method: 'post',
  path: '/api/runs/:runid/backups/:id/restore',
  summary:
    'Restore the whole run or chosen paths from a backup (202): staging + restic restore --verify, a pre-restore snapshot, then an atomic swap. dryRun: true answers 200 with the plan (added, replaced, removed, bytes) without writing',
  tags: ['backups'],
  access: { kind: 'run', role: 'collaborator' },
  params: backupParams,
  body,
  status: 202,
  async handler({ deps, params, body: b, user, res }) {
    const runid = params.runid;
    const paths = parsePaths(b?.paths);
    const { row, repo } = await requireBackup(deps, runid, params.id);
    requireRestic();
    const runDir = runPath(deps.config.runsRoot, runid);
    const present = await runExists(deps.config.runsRoot, runid);
    if (paths) {
      const entries = await listTree(repo, row.snapshotId);
      const missing = paths.filter((p) => !entries.some((e) => e.path === p));
      if (missing.length)
        throw new AppError(
          'PATH_NOT_IN_BACKUP',
          `Not in backup ${row.snapshotId.slice(0, 8)}: ${missing.join(', ')}`,
          422,
          { missing },
        );
      if (b?.dryRun ?? b?.dry_run) {
        res.status(200).json({
          dry_run: true,
          backup_id: row.id,
          paths,
          plan: await planRestoreFromTree(present ? runDir : '/nonexistent', entries, paths),
        });
        return;
      }
    } else if (b?.dryRun ?? b?.dry_run) {
      const entries = await listTree(repo, row.snapshotId);
      const plan = present
        ? await planRestoreFromTree(runDir, entries)
        : await planRestoreFromTree('/nonexistent-run', entries);
      res.status(200).json({ dry_run: true, backup_id: row.id, paths: null, plan });
      return;
    }
    if (!present && paths)
      throw new AppError(
        'RUN_NOT_FOUND',
        `Run ${runid} has no directory: restore the whole run (or start it) first`,
        409,
      );
    if (present) await assertRunUnlocked(runDir, runid, deps.redis, deps.config.redisPrefix);
    const { operation, operationId, channel } = await enqueueOperation(
      deps,
      runBackupRestore,
      {
        runid,
        backupId: row.id,
        ...(paths ? { paths } : {}),
        preRestoreSnapshot: b?.preRestoreSnapshot ?? true,
        intoMissing: !present,
      },
      { createdBy: user?.username },
    );
    return { operationId, channel, status: operation.status };
  },
});
