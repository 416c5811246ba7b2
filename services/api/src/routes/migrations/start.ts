import { z } from 'zod';
import {
  assertRunUnlocked,
  enqueueOperation,
  MIGRATION_MODES,
  requireRunDir,
  runMigration,
  runMigrationDryRun,
  runMigrationValidate,
} from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { enqueuedSchema, runParams } from '../runs/archives/common';

const KIND_OF_MODE = {
  validate: runMigrationValidate,
  'dry-run': runMigrationDryRun,
  migrate: runMigration,
} as const;

export const startRunMigration = defineRoute({
  method: 'post',
  path: '/api/runs/:runid/migration',
  summary:
    'Validate (no writes), dry-run (a staging copy) or migrate the run (archive-guarded, rolled back on failure); 202, progress on <runid>:migration',
  tags: ['migrations'],
  access: { kind: 'run', role: 'owner' },
  params: runParams,
  body: z.object({ mode: z.enum(MIGRATION_MODES) }),
  response: enqueuedSchema,
  status: 202,
  async handler({ deps, params, body, user }) {
    const dir = await requireRunDir(deps.config.runsRoot, params.runid);
    // A migration changes the run: refused while it is locked (the worker checks again).
    if (body.mode === 'migrate')
      await assertRunUnlocked(dir, params.runid, deps.redis, deps.config.redisPrefix);
    const { operation, operationId, channel } = await enqueueOperation(
      deps,
      KIND_OF_MODE[body.mode],
      { runid: params.runid },
      { createdBy: user?.username },
    );
    return { operationId, channel, status: operation.status };
  },
});
