import { z } from 'zod';
export { acceptedSchema, operationSchema } from '@arkive/shared/contracts';

export const operationIdParams = z.object({
  id: z.string().uuid({ message: 'operation id must be a UUID' }),
});
