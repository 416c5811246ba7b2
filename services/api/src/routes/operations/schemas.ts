import { z } from 'zod';

export const operationIdParams = z.object({
  id: z.string().uuid({ message: 'operation id must be a UUID' }),
});

export const operationSchema = z.object({
  id: z.string(),
  kind: z.string(),
  queue: z.string(),
  scopeType: z.string(),
  scopeId: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'expired']),
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
  channel: z.string(),
});

export const acceptedSchema = z.object({ operationId: z.string(), channel: z.string(), status: z.string() });
