import { z } from 'zod';
import { channels } from '../contracts/channels';
import { runCopyApplySpec, runCopySpec } from '../contracts/kinds';
import { RUN_ID_PATTERN } from '../contracts/ids';
import { markCopiesEnded } from '../copies/rows';
import { defineJobKind } from './define';
import { runRelativePath } from './run-backup';

/** How long a destination may wait to be applied (its host offline) before its copy expires. */
export const COPY_TTL_MS = 7 * 24 * 3600 * 1000;
/** At most this many destinations and source paths per copy. */
export const MAX_COPY_DESTS = 500;
export const MAX_COPY_PATHS = 100;

/** The parent: the source run and its paths; the destinations are its pending_copies rows. */
export const runCopyPayload = z.object({
  runid: z.string().regex(RUN_ID_PATTERN),
  paths: z.array(runRelativePath).min(1).max(MAX_COPY_PATHS),
});
export const runCopyResult = z.object({
  total: z.number(),
  done: z.number(),
  failed: z.number(),
  cancelled: z.number(),
  expired: z.number(),
  snapshotId: z.string().nullable(),
  snapshotReused: z.boolean(),
});

export const runCopy = defineJobKind({
  spec: runCopySpec,
  payload: runCopyPayload,
  result: runCopyResult,
  attempts: 3,
  backoffMs: 5000,
  scopeId: (p) => p.runid,
  channel: (p) => channels.runArchive(p.runid),
  // No exclusive key: the parent lives until every destination is applied (days, for an offline
  // host); the source run stays usable meanwhile.
  /** Cancelled or expired before its children exist: its destinations end with it. */
  async cleanup({ operation, prisma }) {
    if (!prisma) return;
    const rows = await prisma.pendingCopy.findMany({
      where: { operationId: operation.id, status: 'pending', applyOperationId: null },
      select: { id: true },
    });
    const status = operation.cancelRequestedAt ? 'cancelled' : 'expired';
    await markCopiesEnded(
      prisma,
      rows.map((r) => r.id),
      status,
    );
  },
});

/** One destination: the pending_copies row it applies, in the destination run. */
export const runCopyApplyPayload = z.object({
  runid: z.string().regex(RUN_ID_PATTERN),
  copyId: z.string().uuid(),
});
export const runCopyApplyResult = z.object({
  copyId: z.string(),
  method: z.enum(['restic', 'plain-copy']),
  placed: z.array(z.string()),
  replaced: z.array(z.string()),
});

export const runCopyApply = defineJobKind({
  spec: runCopyApplySpec,
  payload: runCopyApplyPayload,
  result: runCopyApplyResult,
  attempts: 3,
  backoffMs: 5000,
  scopeId: (p) => p.runid,
  channel: (p) => channels.runArchive(p.runid),
  /** Cancelled or expired while waiting (its host offline): its row says so; the temp folder is the processor's. */
  async cleanup({ operation, prisma }) {
    const input = runCopyApplyPayload.safeParse(operation.input);
    if (!prisma || !input.success) return;
    const status = operation.cancelRequestedAt ? 'cancelled' : 'expired';
    await markCopiesEnded(prisma, [input.data.copyId], status);
  },
});
