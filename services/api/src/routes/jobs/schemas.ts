import { z } from 'zod';
import { JOB_STATUSES } from './folder-jobs';

export const jobIdParams = z.object({ id: z.string().uuid({ message: 'job id must be a UUID' }) });
export const jobStatusSchema = z.enum(JOB_STATUSES);

export const jobSchema = z.object({
  job_id: z.string(),
  folder_name: z.string(),
  folder_path: z.string(),
  source_path: z.string(),
  globus_destination_path: z.string().nullable(),
  destination_key: z.string().nullable(),
  bucket: z.string().nullable(),
  archive_path: z.string().nullable(),
  status: jobStatusSchema,
  progress_percent: z.number(),
  current_operation: z.string().nullable(),
  folder_size_bytes: z.number().nullable(),
  archive_size_bytes: z.number().nullable(),
  sha256: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  error_message: z.string().nullable(),
  error_code: z.string().nullable(),
  retry_count: z.number(),
  globus_task_id: z.null(),
  channel: z.string(),
});
