import { requestCancel } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { operationIdParams, operationSchema } from './schemas';
import { presentOperation } from './present';

export const cancelOperation = defineRoute({
  method: 'post',
  path: '/api/operations/:id/cancel',
  summary:
    'Cancel a queued or running operation (a running one stops at its next check, within about a second)',
  tags: ['operations'],
  access: { kind: 'operation', action: 'write' },
  params: operationIdParams,
  response: operationSchema,
  status: 202,
  async handler({ deps, params }) {
    return presentOperation(deps, await requestCancel(deps, params.id));
  },
});
