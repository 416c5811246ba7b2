import { z } from 'zod';
import { enqueueOperation, runSnapshot } from '@arkive/shared';
import { defineRoute } from '../../../http/route';
import { assertRunUnlocked, enqueuedSchema, requireRun, runParams } from './common';

export const createRunArchive = defineRoute({
  method: 'post',
  path: '/api/runs/:runid/archives',
  summary: 'Snapshot the run into archives/ (202; progress on <runid>:archive)',
  tags: ['archives'],
  access: { kind: 'run', role: 'collaborator' },
  params: runParams,
  body: z.object({ label: z.string().trim().max(100).optional() }),
  response: enqueuedSchema,
  status: 202,
  async handler({ deps, params, body, user }) {
    const runDir = await requireRun(deps, params.runid);
    await assertRunUnlocked(deps, params.runid, runDir);
    const label = body.label ? body.label : undefined;
    const { operation, operationId, channel } = await enqueueOperation(
      deps,
      runSnapshot,
      { runid: params.runid, label },
      { createdBy: user?.username },
    );
    return { operationId, channel, status: operation.status };
  },
});
