import { z } from 'zod';
import { channels } from '../contracts/channels';
import { runSnapshotSpec } from '../contracts/kinds';
import { RUN_ID_PATTERN } from '../contracts/ids';
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
  spec: runSnapshotSpec,
  payload: runSnapshotPayload,
  result: runSnapshotResult,
  attempts: 3,
  backoffMs: 5000,
  scopeId: (p) => p.runid,
  channel: (p) => channels.runArchive(p.runid),
  exclusiveKey: (p) => `run:${p.runid}`,
});
