import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { enqueueOperation, runSync, type RunSyncPayload } from '@arkive/shared';
import type { AppDeps } from '../../deps';

export interface ImportRequest extends Omit<RunSyncPayload, 'syncId'> {
  authToken?: string;
  createdBy: string;
  origin: 'pull' | 'push';
}

/**
 * The status row comes first (the job reads the source's token from it), then the operation; a
 * refused enqueue (another operation active on the run) removes the row again.
 */
export async function enqueueImport(deps: AppDeps, r: ImportRequest) {
  const syncId = randomUUID();
  await deps.prisma.runSync.create({
    data: {
      id: syncId,
      runid: r.runid,
      sourceHost: r.sourceHost,
      targetPath: path.join(r.targetRoot, r.runid),
      ownerEmail: r.ownerEmail ?? null,
      authToken: r.authToken ?? null,
      origin: r.origin,
      createdBy: r.createdBy,
    },
  });
  try {
    const { operationId, channel, operation } = await enqueueOperation(
      deps,
      runSync,
      {
        syncId,
        runid: r.runid,
        sourceHost: r.sourceHost,
        targetRoot: r.targetRoot,
        ownerEmail: r.ownerEmail,
        overwrite: r.overwrite,
        from: r.from,
      },
      { createdBy: r.createdBy, enqueuedMessage: `Queued import of ${r.runid} from ${r.sourceHost}` },
    );
    await deps.prisma.runSync.update({ where: { id: syncId }, data: { operationId } });
    return { operationId, channel, syncId, status: operation.status };
  } catch (err) {
    await deps.prisma.runSync.delete({ where: { id: syncId } }).catch(() => undefined);
    throw err;
  }
}
