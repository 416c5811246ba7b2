import { z } from 'zod';
import { folderArchiveSpec, type Operation } from '@arkive/shared';
import { FOLDER_JOB_KIND, folderJobStatus } from '../jobs/folder-jobs';
import { defineRoute } from '../../http/route';

const current = z
  .object({
    job_id: z.string(),
    folder_name: z.string(),
    status: z.string(),
    progress_percent: z.number(),
    current_operation: z.string().nullable(),
    created_by: z.string(),
  })
  .nullable();

const COPY_QUEUE = folderArchiveSpec.stages[0].queue;
const UPLOAD_QUEUE = folderArchiveSpec.stages.find((s) => s.name === 'uploading')?.queue;
const name = (op: Operation) => op.scopeId.split('/').pop() ?? op.scopeId;
const brief = (op: Operation | undefined) =>
  op
    ? {
        job_id: op.id,
        folder_name: name(op),
        status: folderJobStatus(op),
        progress_percent: Math.round(op.progressPercent),
        current_operation: op.currentOperation ?? null,
        created_by: op.createdBy ?? 'unknown',
      }
    : null;

/** PRD §5.5: the copy/compress job, the upload job, and the waiting jobs in FIFO order. */
export const getQueue = defineRoute({
  method: 'get',
  path: '/api/queue',
  summary: 'What each worker is doing and the waiting jobs (FIFO)',
  tags: ['queue'],
  access: { kind: 'user' },
  response: z.object({
    current_copy_compress_job: current,
    current_upload_job: current,
    queued_jobs: z.array(
      z.object({
        job_id: z.string(),
        folder_name: z.string(),
        position: z.number(),
        created_by: z.string(),
        waiting_for: z.enum(['copy', 'upload']),
        current_operation: z.string().nullable(),
        created_at: z.string(),
      }),
    ),
  }),
  async handler({ deps }) {
    const [running, queued] = await Promise.all([
      deps.prisma.operation.findMany({
        where: { kind: FOLDER_JOB_KIND, status: 'running' },
        orderBy: { startedAt: 'asc' },
      }),
      deps.prisma.operation.findMany({
        where: { kind: FOLDER_JOB_KIND, status: 'queued' },
        orderBy: { createdAt: 'asc' },
      }),
    ]);
    const copying = running.find((o) => o.queue === COPY_QUEUE);
    const uploading = running.find((o) => o.queue === UPLOAD_QUEUE);
    return {
      current_copy_compress_job: brief(copying),
      current_upload_job: brief(uploading),
      queued_jobs: queued.map((op, i) => ({
        job_id: op.id,
        folder_name: name(op),
        position: i + 1,
        created_by: op.createdBy ?? 'unknown',
        waiting_for: op.queue === UPLOAD_QUEUE ? ('upload' as const) : ('copy' as const),
        current_operation: op.currentOperation ?? null,
        created_at: op.createdAt.toISOString(),
      })),
    };
  },
});
