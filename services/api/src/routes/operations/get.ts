import { getOperation } from '@arkive/shared';
import { defineRoute } from '../../http/route';
import { operationIdParams, operationSchema } from './schemas';
import { presentOperation } from './present';

export const getOperationRoute = defineRoute({
  method: 'get',
  path: '/api/operations/:id',
  summary: 'One operation',
  tags: ['operations'],
  access: { kind: 'operation', action: 'read' },
  params: operationIdParams,
  response: operationSchema,
  async handler({ deps, params }) {
    return presentOperation(deps, await getOperation(deps.prisma, params.id));
  },
});
