import { z } from 'zod';
import { channels } from '../contracts/channels';
import { runDeleteSpec } from '../contracts/kinds';
import { RUN_ID_PATTERN } from '../contracts/ids';
import { defineJobKind } from './define';

export const runDeletePayload = z.object({ runid: z.string().regex(RUN_ID_PATTERN) });
export const runDeleteResult = z.object({
  /** files and bytes the run's directory held (archives/ included) */
  files: z.number(),
  bytes: z.number(),
  archives: z.number(),
  /** restic snapshots forgotten (their data goes at the repository's next prune) */
  backupsForgotten: z.number(),
});

/** Deletes a run: its directory (archives included), its backups (forgotten now, pruned later) and its rows. */
export const runDelete = defineJobKind({
  spec: runDeleteSpec,
  payload: runDeletePayload,
  result: runDeleteResult,
  attempts: 3,
  backoffMs: 5000,
  scopeId: (p) => p.runid,
  channel: (p) => channels.runArchive(p.runid),
  exclusiveKey: (p) => `run:${p.runid}`,
});
