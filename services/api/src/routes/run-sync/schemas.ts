import { z } from 'zod';
import type { Operation, RunSync } from '@arkive/shared';

export const runSyncRowSchema = z.object({
  id: z.string(),
  operation_id: z.string().nullable(),
  runid: z.string(),
  source_host: z.string(),
  target_path: z.string(),
  status: z.string(),
  error: z.string().nullable(),
  bytes: z.number().nullable(),
  sha256: z.string().nullable(),
  owner_email: z.string().nullable(),
  owner: z.string().nullable(),
  origin: z.string(),
  created_by: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().nullable(),
  /** The operation's live state (percent, stage), for rows still running. */
  progress_percent: z.number().nullable(),
  stage: z.string().nullable(),
  channel: z.string(),
});

/** A row of the status table; a cancel or expiry that ended the operation without a worker shows here too. */
export function presentRunSync(r: RunSync, op: Operation | undefined) {
  const ended =
    op && ['cancelled', 'expired'].includes(op.status) && !['succeeded', 'failed'].includes(r.status);
  return {
    id: r.id,
    operation_id: r.operationId,
    runid: r.runid,
    source_host: r.sourceHost,
    target_path: r.targetPath,
    status: ended ? op.status : r.status,
    error: r.error ?? (ended ? op.error : null),
    bytes: r.bytes === null ? null : Number(r.bytes),
    sha256: r.sha256,
    owner_email: r.ownerEmail,
    owner: r.owner,
    origin: r.origin,
    created_by: r.createdBy,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    finished_at: r.finishedAt?.toISOString() ?? op?.finishedAt?.toISOString() ?? null,
    progress_percent: op?.progressPercent ?? null,
    stage: op?.stage ?? null,
    channel: `${r.runid}:run_sync`,
  };
}
