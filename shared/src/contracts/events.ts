import { z } from 'zod';

export const EVENT_TYPES = [
  'ENQUEUED',
  'STATUS',
  'PROGRESS',
  'LOG',
  'ARCHIVE_COMPLETE',
  'RESTORE_COMPLETE',
  'UPLOAD_COMPLETE',
  'MIGRATION_COMPLETE',
  'SYNC_COMPLETE',
  'BACKUP_COMPLETE',
  // run sync (issue 17): steps of an import on `<runid>:run_sync`
  'DOWNLOADING',
  'CHECKSUM_OK',
  'REGISTERED',
  'COMPLETE',
  'EXCEPTION',
  'CANCELLED',
  'OPERATION_UPDATE',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Events after which an operation reports nothing more (exactly one per operation run): every
 * `*_COMPLETE`, EXCEPTION and CANCELLED.
 */
export const TERMINAL_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>(
  EVENT_TYPES.filter((t) => t.endsWith('COMPLETE') || t === 'EXCEPTION' || t === 'CANCELLED'),
);

export function isTerminalEvent(type: string): boolean {
  return TERMINAL_EVENT_TYPES.has(type as EventType);
}

export const progressSchema = z.object({
  current: z.number().nonnegative(),
  total: z.number().nonnegative(),
  unit: z.string(),
  /** Units per second over the last few seconds of this stage. */
  rate: z.number().nonnegative().optional(),
  /** Seconds left in this stage at the current rate. */
  etaSeconds: z.number().nonnegative().optional(),
});

export const eventSchema = z.object({
  /** Redis stream id, assigned when published; used to resume after a reconnect. */
  id: z.string().optional(),
  channel: z.string().optional(),
  type: z.enum(EVENT_TYPES),
  operationId: z.string(),
  ts: z.string(),
  message: z.string(),
  stage: z.string().optional(),
  percent: z.number().min(0).max(100).optional(),
  progress: progressSchema.optional(),
  detail: z.unknown().optional(),
});
export type ArkiveEvent = z.infer<typeof eventSchema>;
export type EventInput = Omit<ArkiveEvent, 'id' | 'ts' | 'channel'> & { ts?: string };

/** The `detail` of an OPERATION_UPDATE on the `operations` channel. */
export const operationUpdateDetailSchema = z.object({
  kind: z.string(),
  status: z.string(),
  scopeType: z.string(),
  scopeId: z.string(),
  createdBy: z.string().nullable().optional(),
  parentId: z.string().nullable().optional(),
  event: z.string(),
  channel: z.string(),
});
export type OperationUpdateDetail = z.infer<typeof operationUpdateDetailSchema>;
