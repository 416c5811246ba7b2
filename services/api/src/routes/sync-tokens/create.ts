import { z } from 'zod';
import { isValidRunId } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { hashSyncToken, newSyncToken } from '../../auth/sync-tokens';
import { presentSyncToken, syncTokenSchema } from './schemas';

const body = z.object({
  name: z.string().trim().min(1).max(200),
  runs: z.array(z.string().refine(isValidRunId, 'a run id')).max(1000).optional(),
  expires_in_days: z.number().int().min(1).max(3650),
});

export const createSyncToken = defineRoute({
  method: 'post',
  path: '/api/sync-tokens',
  summary:
    'Issue a sync token another Arkive host sends (bearer) to export runs from this one: all runs, or only `runs`. The token is in this answer only',
  tags: ['run-sync'],
  access: { kind: 'admin' },
  body,
  response: syncTokenSchema.extend({ token: z.string() }),
  status: 201,
  async handler({ deps, body: b, user }) {
    const token = newSyncToken();
    const row = await deps.prisma.syncToken.create({
      data: {
        name: b.name,
        tokenHash: hashSyncToken(token),
        runs: [...new Set(b.runs ?? [])],
        createdBy: user!.username,
        expiresAt: new Date(Date.now() + b.expires_in_days * 86400_000),
      },
    });
    deps.logger.info({ tokenId: row.id, by: user!.username }, 'sync token issued');
    return { ...presentSyncToken(row), token };
  },
});
