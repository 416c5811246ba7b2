import type { Request } from 'express';
import { JOB_STATUSES } from '@arkive/shared/contracts';
import { requireGlobalRole } from '../../auth/authenticate';
import {
  appendLog,
  enqueueOperation,
  folderArchive,
  folderArchiveSpec,
  getOperation,
  NotFoundError,
  type EnqueueDeps,
  type Operation,
  type Prisma,
  type PrismaClient,
} from '@arkive/shared';

/** The PRD's folder job = an Operation of kind folder-archive; its statuses are the kind's stages. */
export const FOLDER_JOB_KIND = folderArchive.kind;
const STAGES: string[] = folderArchiveSpec.stages.map((s) => s.name);
export type FolderJobStatus = (typeof JOB_STATUSES)[number];

/** PRD status of a folder Operation: its stage while running, else its (mapped) terminal status. */
export function folderJobStatus(op: Pick<Operation, 'status' | 'stage'>): FolderJobStatus {
  switch (op.status) {
    case 'queued':
      return 'queued';
    case 'running':
      return STAGES.includes(op.stage ?? '') ? (op.stage as FolderJobStatus) : STAGES[0];
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

/** POST /api/jobs: one Operation per folder (one active per folder), queued FIFO on its first stage's queue. */
export async function enqueueFolderJob(
  deps: EnqueueDeps,
  folder: string,
  createdBy: string,
): Promise<Operation> {
  const { operation } = await enqueueOperation(
    deps,
    folderArchive,
    { folder },
    {
      createdBy,
      enqueuedMessage: `Queued ${folder}`,
    },
  );
  await appendLog(deps.prisma, operation.id, 'INFO', `Job created by ${createdBy} for ${folder}`);
  return operation;
}

/** Cancel/retry of a folder job: its creator, or an operator/admin for other people's jobs (403 ROLE_REQUIRED). */
export function assertMayChangeJob(req: Request, op: Pick<Operation, 'createdBy'>): void {
  if (op.createdBy && op.createdBy === req.user?.username) return;
  requireGlobalRole(req, 'operator');
}

export async function getFolderJob(prisma: PrismaClient, id: string): Promise<Operation> {
  const op = await getOperation(prisma, id).catch(() => null);
  if (!op || op.kind !== FOLDER_JOB_KIND) throw new NotFoundError('JOB_NOT_FOUND', `Job ${id} not found`);
  return op;
}
