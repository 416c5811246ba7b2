import { z } from 'zod';
import { diskSpace, folderArchiveSpec, placedQueue } from '@arkive/shared';
import { FOLDER_JOB_KIND } from '../jobs/folder-jobs';

const COPY_QUEUE = folderArchiveSpec.stages[0].queue;
const UPLOAD_QUEUE = folderArchiveSpec.stages.at(-1)?.queue ?? COPY_QUEUE;
import { defineRoute } from '../../http/route';

const GB = 1024 ** 3;
const round2 = (n: number) => Math.round(n * 100) / 100;
const worker = z.object({
  status: z.enum(['idle', 'busy']),
  current_job_id: z.string().nullable(),
  online: z.boolean().nullable(),
});

/** PRD §5.6 plus `disk_space.warning` (below 20 % free, PRD §9.5) and whether a worker process is connected. */
export const systemStatus = defineRoute({
  method: 'get',
  path: '/api/system/status',
  summary: 'Disk space of STORAGE_ROOT, worker states and job statistics',
  tags: ['system'],
  access: { kind: 'user' },
  response: z.object({
    disk_space: z.object({
      path: z.string(),
      total_gb: z.number(),
      used_gb: z.number(),
      free_gb: z.number(),
      percent_used: z.number(),
      percent_free: z.number(),
      warning: z.boolean(),
    }),
    workers: z.object({ copy_compress: worker, upload: worker }),
    statistics: z.object({
      total_jobs: z.number(),
      completed_jobs: z.number(),
      failed_jobs: z.number(),
      queued_jobs: z.number(),
      running_jobs: z.number(),
      cancelled_jobs: z.number(),
      waiting_for_disk_space: z.number(),
    }),
    warnings: z.array(z.string()),
  }),
  async handler({ deps }) {
    const where = { kind: FOLDER_JOB_KIND };
    const [space, counts, running, copyOnline, uploadOnline] = await Promise.all([
      diskSpace(deps.config.storageRoot),
      deps.prisma.operation.groupBy({ by: ['status'], where, _count: { _all: true } }),
      deps.prisma.operation.findMany({
        where: { ...where, status: 'running' },
        select: { id: true, queue: true },
      }),
      workersOnline(deps, COPY_QUEUE),
      workersOnline(deps, UPLOAD_QUEUE),
    ]);
    const count = (s: string) => counts.find((c) => c.status === s)?._count._all ?? 0;
    const waitingForSpace = await deps.prisma.operation.count({
      where: { ...where, status: 'queued', currentOperation: 'Waiting for disk space' },
    });
    const copyJob = running.find((o) => o.queue === COPY_QUEUE);
    const uploadJob = running.find((o) => o.queue === UPLOAD_QUEUE);
    const percentUsed = space.totalBytes ? (space.usedBytes / space.totalBytes) * 100 : 0;
    const percentFree = space.totalBytes ? (space.freeBytes / space.totalBytes) * 100 : 0;
    const warnings: string[] = [];
    if (percentFree < 20)
      warnings.push(`Low disk space on ${deps.config.storageRoot}: ${round2(percentFree)}% free`);
    if (waitingForSpace)
      warnings.push(`${waitingForSpace} job(s) waiting for disk space on ${deps.config.storageRoot}`);
    if (copyOnline === false) warnings.push('No copy/compress worker is running');
    if (uploadOnline === false) warnings.push('No upload worker is running');
    return {
      disk_space: {
        path: deps.config.storageRoot,
        total_gb: round2(space.totalBytes / GB),
        used_gb: round2(space.usedBytes / GB),
        free_gb: round2(space.freeBytes / GB),
        percent_used: round2(percentUsed),
        percent_free: round2(percentFree),
        warning: percentFree < 20,
      },
      workers: {
        copy_compress: {
          status: copyJob ? ('busy' as const) : ('idle' as const),
          current_job_id: copyJob?.id ?? null,
          online: copyOnline,
        },
        upload: {
          status: uploadJob ? ('busy' as const) : ('idle' as const),
          current_job_id: uploadJob?.id ?? null,
          online: uploadOnline,
        },
      },
      statistics: {
        total_jobs: counts.reduce((n, c) => n + c._count._all, 0),
        completed_jobs: count('succeeded'),
        failed_jobs: count('failed') + count('expired'),
        queued_jobs: count('queued'),
        running_jobs: count('running'),
        cancelled_jobs: count('cancelled'),
        waiting_for_disk_space: waitingForSpace,
      },
      warnings,
    };
  },
});

async function workersOnline(
  deps: {
    config: { hostId: string };
    queues: { get(name: string): { getWorkersCount(): Promise<number> } };
  },
  queue: string,
): Promise<boolean | null> {
  try {
    // This host's workers listen on its own queue (and on the shared one).
    return (await deps.queues.get(placedQueue(queue, deps.config.hostId)).getWorkersCount()) > 0;
  } catch {
    return null;
  }
}
