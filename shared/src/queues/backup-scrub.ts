import { z } from 'zod';
import { channels } from '../contracts/channels';
import { backupScrubSpec } from '../contracts/kinds';
import { defineJobKind } from './define';

export const backupScrubPayload = z.object({
  /** the repository (region) to scrub; its exclusive slot is taken (one prune or check at a time) */
  repoId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
});
export const backupScrubResult = z.object({
  ok: z.boolean(),
  /** "k/n": the part of the packs this scrub read */
  subset: z.string(),
  message: z.string(),
});

export const backupScrub = defineJobKind({
  spec: backupScrubSpec,
  payload: backupScrubPayload,
  result: backupScrubResult,
  attempts: 3,
  backoffMs: 5000,
  scopeId: (p) => p.repoId,
  channel: (p) => channels.backupRepo(p.repoId),
  exclusiveKey: (p) => `repo:${p.repoId}`,
});
