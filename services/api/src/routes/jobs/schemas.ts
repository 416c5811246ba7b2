import { z } from 'zod';
export { jobSchema, jobStatusSchema } from '@arkive/shared/contracts';

export const jobIdParams = z.object({ id: z.string().uuid({ message: 'job id must be a UUID' }) });
