import { z } from 'zod';

export const copyStatusSchema = z.enum(['pending', 'applying', 'done', 'failed', 'cancelled', 'expired']);

export const copySummarySchema = z.object({
  id: z.string(),
  runid: z.string(),
  path: z.string(),
  status: copyStatusSchema,
});

/** One destination of a copy as GET /api/copies shows it; a run the caller may not see is null. */
export const copyRowSchema = z.object({
  id: z.string(),
  operation_id: z.string(),
  apply_operation_id: z.string().nullable(),
  src_runid: z.string().nullable(),
  paths: z.array(z.string()).nullable(),
  dest_runid: z.string().nullable(),
  dest_path: z.string().nullable(),
  options: z.object({ errorOnExist: z.boolean(), force: z.boolean() }),
  status: copyStatusSchema,
  error: z.string().nullable(),
  error_code: z.string().nullable(),
  attempts: z.number(),
  snapshot_id: z.string().nullable(),
  created_by: z.string().nullable(),
  expires_at: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().nullable(),
});

type Row = {
  id: string;
  operationId: string;
  applyOperationId: string | null;
  srcRunId: string;
  paths: unknown;
  destRunId: string;
  destPath: string;
  errorOnExist: boolean;
  force: boolean;
  status: z.infer<typeof copyStatusSchema>;
  error: string | null;
  errorCode: string | null;
  attempts: number;
  snapshotId: string | null;
  createdBy: string | null;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
};

/** The public shape; the other run of the copy is shown only to someone who may see it. */
export function serializeCopy(r: Row, canSee: (runid: string) => boolean): z.infer<typeof copyRowSchema> {
  const src = canSee(r.srcRunId);
  const dest = canSee(r.destRunId);
  // Error texts name runs and paths: only someone who may see both runs reads them.
  const both = src && dest;
  return {
    id: r.id,
    operation_id: r.operationId,
    apply_operation_id: r.applyOperationId,
    src_runid: src ? r.srcRunId : null,
    paths: src ? (r.paths as string[]) : null,
    dest_runid: dest ? r.destRunId : null,
    dest_path: dest ? r.destPath : null,
    options: { errorOnExist: r.errorOnExist, force: r.force },
    status: r.status,
    error: both ? r.error : r.error && 'The copy failed in a run you cannot see',
    error_code: r.errorCode,
    attempts: r.attempts,
    snapshot_id: src ? r.snapshotId : null,
    created_by: r.createdBy,
    expires_at: r.expiresAt.toISOString(),
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    finished_at: r.finishedAt?.toISOString() ?? null,
  };
}
