import { z } from 'zod';
import { acceptedSchema } from '@arkive/shared/contracts';
import { defineRoute } from '../../http/route';
import { runIdSchema } from '../runs/schemas';
import { enqueueImport } from './enqueue';
import { assertImportAllowed, requireHostUrl, resolveTargetRoot } from './targets';

export const importBody = z.object({
  source_host: z.string().max(2000),
  runid: runIdSchema,
  auth_token: z.string().max(4096).optional(),
  owner_email: z
    .string()
    .trim()
    .email()
    .max(320)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  target_root: z.string().max(4096).optional(),
  overwrite: z.boolean().default(false),
  /** What the source exports: its newest archive (default) or a fresh snapshot. */
  from: z.enum(['latest', 'snapshot']).default('latest'),
});

export const importRun = defineRoute({
  method: 'post',
  path: '/api/run-sync',
  summary:
    'Import a run from another Arkive host (202): download its export with resume, verify size + SHA-256, safe restore, .provenance.json, register. Events on <runid>:run_sync',
  tags: ['run-sync'],
  access: { kind: 'admin' },
  body: importBody,
  response: acceptedSchema.extend({ syncId: z.string() }),
  status: 202,
  async handler({ deps, body: b, user }) {
    const sourceHost = requireHostUrl(b.source_host, 'source_host');
    const targetRoot = resolveTargetRoot(deps, b.target_root);
    await assertImportAllowed(deps, b.runid, targetRoot, b.overwrite);
    return enqueueImport(deps, {
      runid: b.runid,
      sourceHost,
      targetRoot,
      ownerEmail: b.owner_email,
      overwrite: b.overwrite,
      from: b.from,
      authToken: b.auth_token || undefined,
      createdBy: user!.username,
      origin: 'pull',
    });
  },
});
