import { z } from 'zod';

/** `limit`/`offset` on every list. */
export const paginationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export function page<T>(items: T[], total: number, q: { limit: number; offset: number }) {
  return { items, total, limit: q.limit, offset: q.offset };
}

export { pageSchema } from '@arkive/shared/contracts';
