import type { Config } from '../config';
import type { Operation } from '../db';
import { errorMessage } from '../errors';
import { findJobKind } from '../queues';
import { publishOperationEvent, type OperationDeps } from './publish';
import { appendLog, finishOperation, isTerminal } from './records';
import { rollUpParent } from './rollup';

/**
 * Ends an operation that no worker is running (cancelled or expired while waiting, cancelled
 * before a worker started it, lost its job or its worker): the terminal status, one terminal
 * event, the kind's clean-up when it will not resume (cancelled, expired), the parent's roll-up.
 */
export async function endWithoutWorker(
  deps: OperationDeps & { config: Config },
  op: Operation,
  status: 'cancelled' | 'expired' | 'failed',
  error: { message: string; code: string },
  unchangedSince?: Date,
): Promise<Operation | null> {
  const def = findJobKind(op.kind);
  // Cancelled or expired: nothing will resume, so the kind removes its work files — before the row
  // says so, so that a terminal status always means the clean-up is done (clean-ups are
  // idempotent; a racing second end only repeats it). A failure keeps them for a resume.
  if (status !== 'failed') {
    const current = await deps.prisma.operation.findUnique({
      where: { id: op.id },
      select: { status: true },
    });
    if (current && !isTerminal(current.status)) {
      try {
        await def?.cleanup?.({ config: deps.config, operation: op, stage: op.stage, prisma: deps.prisma });
      } catch (err) {
        await appendLog(deps.prisma, op.id, 'WARNING', `Clean-up after ${status}: ${errorMessage(err)}`);
      }
    }
  }
  const done = await finishOperation(
    deps.prisma,
    op.id,
    status,
    {
      error: error.message,
      errorCode: error.code,
      currentOperation: status === 'cancelled' ? 'Cancelled' : status === 'expired' ? 'Expired' : 'Failed',
    },
    unchangedSince,
  );
  if (!done) return null;
  await appendLog(deps.prisma, op.id, status === 'cancelled' ? 'WARNING' : 'ERROR', error.message);
  await publishOperationEvent(deps, done, status === 'cancelled' ? 'CANCELLED' : 'EXCEPTION', error.message, {
    detail: { code: error.code },
  });
  if (done.parentId) await rollUpParent(deps, done.parentId);
  return done;
}
