import { z } from 'zod';

export const ACTIVE_STATUSES = ['queued', 'running'] as const;
export const TERMINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'expired'] as const;
export const OPERATION_STATUSES = [...ACTIVE_STATUSES, ...TERMINAL_STATUSES] as const;
export type OperationStatusName = (typeof OPERATION_STATUSES)[number];

export function isTerminalStatus(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export const SCOPE_TYPES = ['run', 'folder', 'gallery', 'host', 'system'] as const;

/** The public shape of an Operation (GET /api/operations, /api/operations/:id). */
export const operationSchema = z.object({
  id: z.string(),
  kind: z.string(),
  queue: z.string(),
  scopeType: z.enum(SCOPE_TYPES),
  scopeId: z.string(),
  status: z.enum(OPERATION_STATUSES),
  stage: z.string().nullable(),
  progressPercent: z.number(),
  currentOperation: z.string().nullable(),
  input: z.unknown(),
  result: z.unknown().nullable(),
  error: z.string().nullable(),
  errorCode: z.string().nullable(),
  attempt: z.number(),
  maxAttempts: z.number(),
  heartbeatAt: z.string().nullable(),
  cancelRequestedAt: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  parentId: z.string().nullable(),
  /** The channel this operation reports on (join it for live events). */
  channel: z.string(),
  /** Whether cancel can still stop it (false once a point-of-no-return stage began). */
  cancellable: z.boolean(),
  /** Whether a retry is possible now, and from which stage it would start. */
  retryable: z.boolean(),
  retryStage: z.string().nullable(),
  /** Children roll-up (operations with children only). */
  children: z
    .object({
      total: z.number(),
      queued: z.number(),
      running: z.number(),
      succeeded: z.number(),
      failed: z.number(),
      cancelled: z.number(),
      expired: z.number(),
    })
    .nullable(),
});
export type OperationView = z.infer<typeof operationSchema>;

/** `202` body of every route that starts long work. */
export const acceptedSchema = z.object({ operationId: z.string(), channel: z.string(), status: z.string() });
export type Accepted = z.infer<typeof acceptedSchema>;

export const operationLogSchema = z.object({
  id: z.number(),
  ts: z.string(),
  level: z.string(),
  message: z.string(),
});

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  });
}
