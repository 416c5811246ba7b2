import { NotFoundError } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { syncTokenParams } from './list';
import { presentSyncToken, syncTokenSchema } from './schemas';

export const revokeSyncToken = defineRoute({
  method: 'delete',
  path: '/api/sync-tokens/:id',
  summary: 'Revoke a sync token: every later use answers 401 SYNC_TOKEN_REVOKED',
  tags: ['run-sync'],
  access: { kind: 'admin' },
  params: syncTokenParams,
  response: syncTokenSchema,
  async handler({ deps, params, user }) {
    const id = params.id;
    const row = /^[0-9a-f-]{36}$/i.test(id)
      ? await deps.prisma.syncToken.findUnique({ where: { id } })
      : null;
    if (!row) throw new NotFoundError('SYNC_TOKEN_NOT_FOUND', `Sync token ${id} not found`);
    const updated = row.revokedAt
      ? row
      : await deps.prisma.syncToken.update({ where: { id }, data: { revokedAt: new Date() } });
    deps.logger.info({ tokenId: id, by: user!.username }, 'sync token revoked');
    return presentSyncToken(updated);
  },
});
