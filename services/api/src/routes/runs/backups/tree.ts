import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError, listLevel, NotFoundError, runRelativePath, type TreeEntry } from '@arkive/shared';
import { defineRoute } from '../../../http/route';
import { backupParams, requireBackup, requireRestic } from './common';

/** Snapshots never change: a listed level is kept for a day. */
const CACHE_SECONDS = 24 * 3600;

export const backupTree = defineRoute({
  method: 'get',
  path: '/api/runs/:runid/backups/:id/tree',
  summary:
    'One directory level of a backup (?path= a folder inside the run, default the root): name, type, size, mtime; cached',
  tags: ['backups'],
  access: { kind: 'run', role: 'viewer' },
  params: backupParams,
  query: z.object({ path: z.string().optional() }),
  async handler({ deps, params, query }) {
    const dir = (query.path ?? '').replace(/^\/+|\/+$/g, '');
    if (dir && !runRelativePath.safeParse(dir).success)
      throw new AppError(
        'INVALID_PATH',
        `Invalid path ${JSON.stringify(query.path)}: a folder inside the run`,
        400,
      );
    const { row, repo } = await requireBackup(deps, params.runid, params.id);
    const key = `${deps.config.redisPrefix}backup-tree:${row.snapshotId}:${createHash('sha256').update(dir).digest('hex').slice(0, 32)}`;
    let entries: TreeEntry[] | null;
    const cached = await deps.redis.get(key).catch(() => null);
    if (cached) entries = JSON.parse(cached) as TreeEntry[] | null;
    else {
      requireRestic();
      entries = await listLevel(repo, row.snapshotId, dir);
      await deps.redis.set(key, JSON.stringify(entries), 'EX', CACHE_SECONDS).catch(() => undefined);
    }
    if (!entries)
      throw new NotFoundError(
        'PATH_NOT_IN_BACKUP',
        `${dir} is not a folder of backup ${row.snapshotId.slice(0, 8)}`,
      );
    const items = entries
      .map((e) => ({ name: e.name, path: e.path, type: e.type, size: e.size, mtime: e.mtime, mode: e.mode }))
      .sort((a, b) => Number(b.type === 'dir') - Number(a.type === 'dir') || a.name.localeCompare(b.name));
    return { backup_id: row.id, path: dir, items, cached: Boolean(cached) };
  },
});
