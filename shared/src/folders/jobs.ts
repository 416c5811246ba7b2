import fs from 'node:fs/promises';
import type { Config } from '../config';
import type { Operation, PrismaClient } from '../db';
import { ConflictError, NotFoundError } from '../errors';
import { Prisma } from '../generated/prisma/client';
import {
  appendLog,
  enqueueOperation,
  getOperation,
  publishOperationEvent,
  requestCancel,
  type OperationDeps,
  type QueueProvider,
} from '../operations';
import { folderArchive, type FolderArchivePayload } from '../queues/folder-archive';
import {
  folderUpload,
  folderUploadJobId,
  folderUploadPayload,
  type FolderUploadPayload,
} from '../queues/folder-upload';
import { channels } from '../events';
import { jobDirs, parseFolderPath } from './paths';

export const FOLDER_JOB_KIND = folderArchive.kind;
export const COPY_STAGES = ['copying', 'compressing', 'verifying'] as const;
export const UPLOAD_STAGES = ['uploading', 'upload_verifying', 'deleting_source'] as const;
export const JOB_STATUSES = [
  'queued',
  ...COPY_STAGES,
  ...UPLOAD_STAGES,
  'completed',
  'failed',
  'cancelled',
] as const;
export type FolderJobStatus = (typeof JOB_STATUSES)[number];

/** PRD status of a folder Operation: its stage while running, else its (mapped) terminal status. */
export function folderJobStatus(op: Pick<Operation, 'status' | 'stage'>): FolderJobStatus {
  switch (op.status) {
    case 'queued':
      return 'queued';
    case 'running':
      return (
        (JOB_STATUSES as readonly string[]).includes(op.stage ?? '') ? op.stage : 'copying'
      ) as FolderJobStatus;
    case 'succeeded':
      return 'completed';
    case 'cancelled':
      return 'cancelled';
    case 'failed':
    case 'expired':
      return 'failed';
  }
}

/** Prisma filter for a PRD status. */
export function whereFolderJobStatus(status: FolderJobStatus): Prisma.OperationWhereInput {
  if (status === 'queued') return { status: 'queued' };
  if (status === 'completed') return { status: 'succeeded' };
  if (status === 'failed') return { status: { in: ['failed', 'expired'] } };
  if (status === 'cancelled') return { status: 'cancelled' };
  return { status: 'running', stage: status };
}

function backoff(config: Config) {
  return { type: 'fixed' as const, delay: config.folders.retryDelaySeconds * 1000 };
}
/** Attempts for a stage: enough for the connection-error limit; processors cap other errors lower. */
export function stageAttempts(config: Config, stage: 'archive' | 'upload'): number {
  const f = config.folders;
  return Math.max(
    f.maxConnectionErrorRetries,
    stage === 'archive' ? f.maxCompressionRetries : f.maxUploadRetries,
  );
}

export function stage1JobOptions(config: Config) {
  return {
    attempts: stageAttempts(config, 'archive'),
    backoff: backoff(config),
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 1000 },
  };
}
export function stage2JobOptions(config: Config) {
  return {
    attempts: stageAttempts(config, 'upload'),
    backoff: backoff(config),
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 1000 },
  };
}

/** POST /api/jobs: one Operation per folder (one active per folder), queued FIFO on `compress-folder`. */
export async function enqueueFolderJob(
  deps: OperationDeps & { queues: QueueProvider; config: Config },
  folder: string,
  createdBy: string,
): Promise<Operation> {
  const { operation } = await enqueueOperation(
    deps,
    folderArchive,
    { folder } satisfies FolderArchivePayload,
    {
      createdBy,
      jobOptions: stage1JobOptions(deps.config),
      enqueuedMessage: `Queued ${folder}`,
    },
  );
  await appendLog(deps.prisma, operation.id, 'INFO', `Job created by ${createdBy} for ${folder}`);
  return operation;
}

export async function getFolderJob(prisma: PrismaClient, id: string): Promise<Operation> {
  const op = await getOperation(prisma, id).catch(() => null);
  if (!op || op.kind !== FOLDER_JOB_KIND) throw new NotFoundError('JOB_NOT_FOUND', `Job ${id} not found`);
  return op;
}

/** The stage-2 payload recorded in the result when stage 1 handed off, if still valid. */
export function recordedUpload(op: Operation): FolderUploadPayload | undefined {
  const parsed = folderUploadPayload.safeParse((op.result as Record<string, unknown> | null)?.upload);
  return parsed.success ? parsed.data : undefined;
}

async function fileSize(p: string): Promise<number | undefined> {
  return fs.stat(p).then(
    (s) => s.size,
    () => undefined,
  );
}

/**
 * Manual retry of a failed or cancelled job: attempts reset, queued again. It restarts at stage 2
 * (upload) when the verified local archive from stage 1 still exists with its recorded size (in
 * `archives/<job>/` or `failed/<job>/`), else at stage 1.
 */
export async function retryFolderJob(
  deps: OperationDeps & { queues: QueueProvider; config: Config },
  id: string,
): Promise<{ op: Operation; stage: 'archive' | 'upload' }> {
  const op = await getFolderJob(deps.prisma, id);
  if (op.status !== 'failed' && op.status !== 'cancelled' && op.status !== 'expired') {
    throw new ConflictError(
      'JOB_NOT_RETRYABLE',
      `Only failed or cancelled jobs can be retried; this one is ${folderJobStatus(op)}`,
    );
  }
  const upload = recordedUpload(op);
  let stage: 'archive' | 'upload' = 'archive';
  if (upload) {
    const ref = parseFolderPath(deps.config.sourceRoot, upload.folder);
    const dirs = jobDirs(deps.config.storageRoot, op.id, ref.name);
    const size = (await fileSize(dirs.archive)) ?? (await fileSize(dirs.failedArchive));
    if (size === upload.archiveSize) stage = 'upload';
  }
  const queueName = stage === 'upload' ? folderUpload.queue : folderArchive.queue;
  let updated: Operation;
  try {
    updated = await deps.prisma.operation.update({
      where: { id },
      data: {
        status: 'queued',
        queue: queueName,
        attempt: 0,
        error: null,
        errorCode: null,
        cancelRequestedAt: null,
        finishedAt: null,
        stage: null,
        progressPercent: 0,
        currentOperation:
          stage === 'upload' ? 'Queued for retry (upload of the verified archive)' : 'Queued for retry',
        result: stage === 'upload' ? (op.result as Prisma.InputJsonValue) : Prisma.DbNull,
      },
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      throw new ConflictError('OPERATION_ACTIVE', `Another job is already active for folder ${op.scopeId}`);
    }
    throw err;
  }
  for (const [q, jobId] of [
    [folderArchive.queue, id],
    [folderUpload.queue, folderUploadJobId(id)],
  ] as const) {
    const old = await deps.queues.get(q).getJob(jobId);
    if (old) await old.remove().catch(() => undefined);
  }
  if (stage === 'upload') {
    await deps.queues
      .get(folderUpload.queue)
      .add(folderUpload.kind, upload, { ...stage2JobOptions(deps.config), jobId: folderUploadJobId(id) });
  } else {
    await deps.queues
      .get(folderArchive.queue)
      .add(folderArchive.kind, op.input, { ...stage1JobOptions(deps.config), jobId: id });
  }
  await appendLog(
    deps.prisma,
    id,
    'INFO',
    `Retry requested; attempts reset; restarting at ${stage === 'upload' ? 'upload' : 'copy'}`,
  );
  await publishOperationEvent(deps, updated, channels.folder(id), 'ENQUEUED', 'Queued again for retry');
  return { op: updated, stage };
}

/**
 * Cancel: a waiting job (either stage) is removed and ends `cancelled` at once; a running one stops
 * at its next check. A handed-off job's waiting upload job is removed too.
 */
export async function cancelFolderJob(
  deps: OperationDeps & { queues: QueueProvider; config: Config },
  id: string,
): Promise<Operation> {
  const op = await getFolderJob(deps.prisma, id);
  if (op.status === 'running' && op.stage === 'deleting_source') {
    throw new ConflictError(
      'JOB_PAST_CANCEL',
      'The upload is verified and the source is being cleaned up; this job can no longer be cancelled',
    );
  }
  if (op.status === 'queued' && op.queue === folderUpload.queue) {
    const job = await deps.queues.get(folderUpload.queue).getJob(folderUploadJobId(id));
    if (job && (await job.getState()) !== 'active') await job.remove().catch(() => undefined);
  }
  const done = await requestCancel(deps, id, channels.folder(id));
  if (done.status === 'cancelled') {
    // Nothing runs for it any more: drop its work files (the source is never touched by a cancel).
    await fs.rm(jobDirs(deps.config.storageRoot, id, 'x').temp, { recursive: true, force: true });
    await fs.rm(jobDirs(deps.config.storageRoot, id, 'x').archives, { recursive: true, force: true });
  }
  return done;
}
