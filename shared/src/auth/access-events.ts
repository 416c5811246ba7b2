import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * Access changes that open sockets must act on at once (the relay subscribes): a user's run
 * membership changed (added, removed, role changed, run deleted), or their sessions ended
 * (logout, password change, account deleted or demoted).
 */
export const accessChangeSchema = z.object({
  userId: z.number().int(),
  kind: z.enum(['membership', 'session']),
  runId: z.string().optional(),
});
export type AccessChange = z.infer<typeof accessChangeSchema>;

export function accessChannelKey(prefix: string): string {
  return `${prefix}access-changes`;
}

export async function publishAccessChange(redis: Redis, prefix: string, change: AccessChange): Promise<void> {
  await redis.publish(accessChannelKey(prefix), JSON.stringify(accessChangeSchema.parse(change)));
}
