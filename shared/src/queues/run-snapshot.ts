import { z } from 'zod';
import { channels } from '../events';
import { RUN_ID_PATTERN } from '../runs';
import { defineJobKind } from './define';

export const runSnapshotPayload = z.object({
  runid: z.string().regex(RUN_ID_PATTERN),
  label: z.string().trim().max(100).optional(),
});
export const runSnapshotResult = z.object({
  name: z.string(),
  size: z.number(),
  sha256: z.string(),
  fileCount: z.number(),
});

export const runSnapshot = defineJobKind({
  kind: 'run-snapshot',
  queue: 'compress',
  payload: runSnapshotPayload,
  result: runSnapshotResult,
  attempts: 3,
  backoffMs: 5000,
  scopeType: 'run',
  scopeId: (p) => p.runid,
  channel: (p) => channels.runArchive(p.runid),
  completeEvent: 'ARCHIVE_COMPLETE',
  exclusiveKey: (p) => `run:${p.runid}`,
});
