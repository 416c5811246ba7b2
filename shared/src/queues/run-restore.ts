import { z } from 'zod';
import { channels } from '../contracts/channels';
import { runRestoreSpec } from '../contracts/kinds';
import { RUN_ID_PATTERN } from '../contracts/ids';
import { defineJobKind } from './define';

export const ARCHIVE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,200}\.zip$/;

export const runRestorePayload = z.object({
  runid: z.string().regex(RUN_ID_PATTERN),
  archiveName: z.string().regex(ARCHIVE_NAME_PATTERN),
  preRestoreSnapshot: z.boolean().default(true),
  /** restore even an archive that holds no files (it empties the run); refused with ARCHIVE_EMPTY otherwise */
  allowEmpty: z.boolean().default(false),
});
export const runRestoreResult = z.object({
  filesRestored: z.number(),
  preRestoreArchive: z.string().optional(),
});

export const runRestore = defineJobKind({
  spec: runRestoreSpec,
  payload: runRestorePayload,
  result: runRestoreResult,
  attempts: 2,
  backoffMs: 5000,
  scopeId: (p) => p.runid,
  channel: (p) => channels.runArchive(p.runid),
  exclusiveKey: (p) => `run:${p.runid}`,
});
