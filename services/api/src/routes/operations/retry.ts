import { retryOperation } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { operationIdParams, operationSchema } from './schemas';
import { presentOperation } from './present';

export const retryOperationRoute = defineRoute({
  method: 'post',
  path: '/api/operations/:id/retry',
  summary: 'Queue a failed or cancelled operation again, with its attempt counter reset',
  tags: ['operations'],
  access: { kind: 'operation', action: 'write' },
  params: operationIdParams,
  response: operationSchema,
  status: 202,
  async handler({ deps, params }) {
    return presentOperation(deps, await retryOperation(deps, params.id));
  },
});
