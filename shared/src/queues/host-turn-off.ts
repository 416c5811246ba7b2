import { z } from 'zod';
import { channels } from '../contracts/channels';
import { hostTurnOffSpec } from '../contracts/kinds';
import { defineJobKind } from './define';

export const HOST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

export const hostTurnOffPayload = z.object({ hostId: z.string().regex(HOST_ID_PATTERN) });

const runOutcome = z.object({
  runid: z.string(),
  /** backed-up: a turn-off backup succeeded; fresh: its last backup was newer than its last edit; missing: no directory on the host */
  outcome: z.enum(['backed-up', 'fresh', 'missing']),
  backupId: z.string().nullable(),
  bytes: z.number().nullable(),
});
export const hostTurnOffResult = z.object({
  hostId: z.string(),
  runs: z.array(runOutcome),
  backedUp: z.number(),
  /** bytes of the runs backed up by this turn-off (restic's total of each snapshot) */
  bytes: z.number(),
});
export type HostTurnOffResult = z.infer<typeof hostTurnOffResult>;

/**
 * Turns a host off after backing up every run on it that changed since its last backup. Runs on the
 * host itself (its workers can read the runs' directories); one per host at a time.
 */
export const hostTurnOff = defineJobKind({
  spec: hostTurnOffSpec,
  payload: hostTurnOffPayload,
  result: hostTurnOffResult,
  attempts: 2,
  backoffMs: 5000,
  scopeId: (p) => p.hostId,
  channel: (p) => channels.host(p.hostId),
  exclusiveKey: (p) => `host:${p.hostId}`,
  placement: async (p) => p.hostId,
});
