import { z } from 'zod';
import type { SyncToken } from '@arkive/shared';

export const syncTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  runs: z.array(z.string()),
  created_by: z.string().nullable(),
  created_at: z.string(),
  expires_at: z.string(),
  revoked_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  use_count: z.number(),
  status: z.enum(['active', 'revoked', 'expired']),
});

export function presentSyncToken(t: SyncToken) {
  return {
    id: t.id,
    name: t.name,
    runs: t.runs,
    created_by: t.createdBy,
    created_at: t.createdAt.toISOString(),
    expires_at: t.expiresAt.toISOString(),
    revoked_at: t.revokedAt?.toISOString() ?? null,
    last_used_at: t.lastUsedAt?.toISOString() ?? null,
    use_count: t.useCount,
    status: t.revokedAt
      ? ('revoked' as const)
      : t.expiresAt.getTime() <= Date.now()
        ? ('expired' as const)
        : ('active' as const),
  };
}
